//! The built-in dialect writes, byte for byte, what the hand-written codec it replaced wrote:
//! `golden/crmsim/` holds that codec's output for every sample, captured before the change.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[test]
fn the_builtin_dialect_writes_what_the_hand_written_codec_wrote() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/crmsim");
    let all = crate::common::all();
    let mut compared = 0;
    for (name, _message, xml) in &all {
        let golden = std::fs::read_to_string(dir.join(format!("{name}.xml")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(xml, &golden, "{name}");
        compared += 1;
    }
    assert_eq!(compared, std::fs::read_dir(&dir).unwrap().count());
}
