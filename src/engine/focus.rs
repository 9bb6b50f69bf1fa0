//! Which items training draws more often: those the network still finds hard. Near-twin
//! sprites (the syringes, the locusts, the beans) stay hard long after the rest is learned;
//! drawing them more often spends the fixed time budget where the errors are.

use std::sync::Mutex;

/// A running training loss per item and the sampling distribution it gives.
#[derive(Debug)]
pub struct ClassFocus {
    /// Share of draws that follow the losses; the rest are uniform.
    share: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    loss: Vec<f64>,
    /// Cumulative sampling probabilities, ending at 1.
    cdf: Vec<f64>,
}

/// How fast an item's running loss follows new samples of it.
const FOLLOW: f64 = 0.05;

impl ClassFocus {
    /// `classes` items, all starting at `initial_loss`; `share` (0..1) of draws by loss.
    pub fn new(classes: usize, initial_loss: f64, share: f64) -> Self {
        let mut state = State {
            loss: vec![initial_loss.max(1e-6); classes],
            cdf: Vec::new(),
        };
        let share = share.clamp(0.0, 1.0);
        state.refresh(share);
        Self {
            share,
            state: Mutex::new(state),
        }
    }

    /// The cumulative distribution to draw a batch from (a copy: drawing takes no lock).
    pub fn distribution(&self) -> Vec<f64> {
        self.state.lock().map(|s| s.cdf.clone()).unwrap_or_default()
    }

    /// Takes the per-sample training losses of a batch; labels outside the items (the
    /// "no item" class) are ignored.
    pub fn record(&self, labels: &[i64], losses: &[f32]) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let classes = state.loss.len();
        for (&label, &loss) in labels.iter().zip(losses) {
            if let Some(l) = usize::try_from(label)
                .ok()
                .filter(|&c| c < classes)
                .map(|c| &mut state.loss[c])
            {
                *l += (f64::from(loss).max(0.0) - *l) * FOLLOW;
            }
        }
        state.refresh(self.share);
    }
}

impl State {
    fn refresh(&mut self, share: f64) {
        let n = self.loss.len().max(1) as f64;
        let total: f64 = self.loss.iter().sum::<f64>().max(1e-12);
        let mut acc = 0.0;
        self.cdf = self
            .loss
            .iter()
            .map(|l| {
                acc += (1.0 - share) / n + share * l / total;
                acc
            })
            .collect();
        if let Some(last) = self.cdf.last_mut() {
            *last = 1.0;
        }
    }
}

/// The item a uniform draw `u` (0..1) picks from cumulative probabilities `cdf`.
pub fn pick(cdf: &[f64], u: f64) -> usize {
    cdf.partition_point(|&c| c <= u)
        .min(cdf.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_until_losses_differ() {
        let focus = ClassFocus::new(4, 2.0, 0.5);
        let cdf = focus.distribution();
        for (i, c) in cdf.iter().enumerate() {
            assert!((c - (i + 1) as f64 / 4.0).abs() < 1e-9, "{cdf:?}");
        }
        assert_eq!(pick(&cdf, 0.0), 0);
        assert_eq!(pick(&cdf, 0.3), 1);
        assert_eq!(pick(&cdf, 0.999), 3);
    }

    #[test]
    fn hard_items_are_drawn_more_often() {
        let focus = ClassFocus::new(3, 1.0, 0.5);
        // Item 2 keeps a high loss, items 0 and 1 are learned; label 3 ("no item") is ignored.
        for _ in 0..200 {
            focus.record(&[0, 1, 2, 3], &[0.1, 0.1, 4.0, 9.0]);
        }
        let cdf = focus.distribution();
        let p: Vec<f64> = (0..3)
            .map(|i| cdf[i] - if i == 0 { 0.0 } else { cdf[i - 1] })
            .collect();
        // Half uniform (1/6 each) plus half by loss (0.1, 0.1, 4.0 of 4.2).
        assert!((p[2] - (1.0 / 6.0 + 0.5 * 4.0 / 4.2)).abs() < 0.01, "{p:?}");
        assert!(p[0] > 1.0 / 6.0 && p[0] < 0.2, "{p:?}");
        assert!((cdf[2] - 1.0).abs() < 1e-12);
    }
}
