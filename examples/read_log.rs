//! Reads a conversation log's CSV records and counts them, nothing more: the "reading the
//! file alone" that `benches/calibrate_big.sh` sets `calibrate`'s time against.
//!
//! `cargo run --release --example read_log -- conversations.csv`

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: read_log conversations.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut record = csv::StringRecord::new();
    let (mut rows, mut bytes) = (0u64, 0u64);
    while reader.read_record(&mut record).expect("a CSV record") {
        rows += 1;
        bytes += record.as_slice().len() as u64;
    }
    println!("{rows} rows, {bytes} bytes of fields");
}
