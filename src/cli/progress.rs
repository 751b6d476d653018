//! Progress bars on stderr (indicatif hides them when stderr is not a terminal).

/// A progress line for reading rows (hidden when stderr is not a terminal).
pub(crate) fn progress_rows() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {pos} conversations read, {elapsed} ({per_sec}) {msg}",
    ) {
        bar.set_style(style);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

/// A bar over replications.
pub(crate) fn progress(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {wide_bar} {pos}/{len} replications, {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}
