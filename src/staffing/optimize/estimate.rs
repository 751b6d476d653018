//! How many candidates the search will run, for the progress bar: the bisection rounds
//! its brackets still need.

/// Bisection candidates left to close every bracket: each round halves the brackets of the
/// even intervals in one candidate and of the odd ones in another, so the widest bracket of
/// each parity sets its count. `lo` `None`: the bracket reaches down to 0.
pub(super) fn bisection_rounds(hi: &[u32], lo: &[Option<u32>]) -> usize {
    let halvings = |k: usize| -> usize {
        // candidate values strictly between the bracket's ends
        let inside = match lo[k] {
            Some(l) => hi[k].saturating_sub(l + 1),
            None => hi[k],
        };
        (u32::BITS - inside.leading_zeros()) as usize
    };
    (0..2)
        .map(|parity| {
            (0..hi.len())
                .filter(|k| k % 2 == parity)
                .map(halvings)
                .max()
                .unwrap_or(0)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::bisection_rounds;

    /// The search's bisection on brackets whose true requirement is `need[k]` (the least
    /// count that passes): the candidates it runs.
    fn bisect(mut hi: Vec<u32>, mut lo: Vec<Option<u32>>, need: &[u32]) -> usize {
        let open = |hi: &[u32], lo: &[Option<u32>], k: usize| match lo[k] {
            Some(l) => hi[k] > l + 1,
            None => hi[k] > 0,
        };
        let mut runs = 0;
        loop {
            let mut moved = false;
            for parity in [0, 1] {
                let ks: Vec<usize> = (0..hi.len())
                    .filter(|&k| k % 2 == parity && open(&hi, &lo, k))
                    .collect();
                if ks.is_empty() {
                    continue;
                }
                moved = true;
                runs += 1;
                for k in ks {
                    let trial = lo[k].map_or(hi[k] / 2, |l| l + (hi[k] - l) / 2);
                    if trial >= need[k] {
                        hi[k] = trial;
                    } else {
                        lo[k] = Some(trial);
                    }
                }
            }
            if !moved {
                return runs;
            }
        }
    }

    #[test]
    fn the_bisection_estimate_bounds_the_candidates_and_is_reached() {
        for (hi, lo) in [
            (vec![40, 7, 100], vec![None, Some(2), Some(60)]),
            (vec![1, 0, 1000], vec![None, None, None]),
            (vec![12], vec![Some(11)]),
        ] {
            let estimate = bisection_rounds(&hi, &lo);
            let mut worst = 0;
            // every true requirement inside each bracket, the same offset for all
            for step in 0..=1000u32 {
                let need: Vec<u32> = hi
                    .iter()
                    .zip(&lo)
                    .map(|(h, l)| {
                        let from = l.map_or(0, |l| l + 1);
                        from + step.min(h - from)
                    })
                    .collect();
                worst = worst.max(bisect(hi.clone(), lo.clone(), &need));
            }
            assert!(worst <= estimate, "{hi:?} {lo:?}: {worst} > {estimate}");
            assert!(
                worst + 1 >= estimate,
                "{hi:?} {lo:?}: {worst} << {estimate}"
            );
        }
    }
}
