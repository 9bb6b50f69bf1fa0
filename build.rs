//! Makes binaries (and test binaries) find libtorch without LD_LIBRARY_PATH, and keeps
//! libtorch_cuda linked when present so `tch::Cuda::is_available()` works on GPU machines.
use std::path::Path;

fn main() {
    // The shipped model is built into the binary when the repository holds one.
    println!("cargo::rustc-check-cfg=cfg(shipped_model)");
    println!("cargo:rerun-if-changed=models/default/manifest.json");
    println!("cargo:rerun-if-changed=models/default/model.safetensors");
    if Path::new("models/default/manifest.json").is_file()
        && Path::new("models/default/model.safetensors").is_file()
    {
        println!("cargo:rustc-cfg=shipped_model");
    }
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") else {
        return;
    };
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    // Windows finds DLLs through PATH (the setup notes this); rpath is a Unix notion.
    if target_os == "linux" || target_os == "macos" {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{lib}");
    }
    if target_os == "linux"
        && Path::new(&lib).join("libtorch_cuda.so").exists()
        && has_cuda_libraries(Path::new(&lib))
    {
        // The linker drops libtorch_cuda otherwise: nothing references it directly.
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
        println!("cargo:rustc-link-arg=-ltorch_cuda");
        println!("cargo:rustc-link-arg=-Wl,--as-needed");
    }
}

/// The PyPI torch wheel always ships libtorch_cuda.so; it loads only when the nvidia wheels
/// (cuBLAS and friends) are installed beside it, as `scripts/setup.sh --cuda` does.
fn has_cuda_libraries(torch_lib: &Path) -> bool {
    let Some(site) = torch_lib.parent().and_then(Path::parent) else {
        return false;
    };
    find_file(&site.join("nvidia"), "libcublas.so", 4)
}

fn find_file(dir: &Path, prefix: &str, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|e| {
        let path = e.path();
        if path.is_dir() {
            depth > 0 && find_file(&path, prefix, depth - 1)
        } else {
            e.file_name().to_string_lossy().starts_with(prefix)
        }
    })
}
