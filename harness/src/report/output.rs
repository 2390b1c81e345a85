//! Report files: checked before a run starts, written whole or not at all.
//!
//! A run can take an hour; finding only at its end that `--json` names a missing folder (or a
//! folder) loses the hour. So every output path is tried before anything starts: the folder
//! must exist and take a file, and the path must not be a folder. Writing goes through a
//! temporary file next to the target, renamed over it, so that a reader (a CI job, a browser)
//! never sees half a report; a failed write removes its temporary file.

use std::path::{Path, PathBuf};

/// One report file a command was asked to write: `--json FILE` and the like.
#[derive(Debug, Clone)]
pub struct Output {
    /// The flag, as the user typed it (`--json`).
    pub flag: &'static str,
    /// Where to write it, as given.
    pub path: PathBuf,
}

impl Output {
    /// Output `flag` asked to write `path`.
    pub fn new(flag: &'static str, path: &Path) -> Output {
        Output {
            flag,
            path: path.to_path_buf(),
        }
    }
}

/// The outputs among `flags` that were given.
pub fn given<'a>(
    flags: impl IntoIterator<Item = (&'static str, &'a Option<PathBuf>)>,
) -> Vec<Output> {
    flags
        .into_iter()
        .filter_map(|(flag, path)| path.as_deref().map(|p| Output::new(flag, p)))
        .collect()
}

/// Checks that each output can be written, by creating (and removing) its temporary file; the
/// first that cannot, in words that say what to do.
pub fn check_all(outputs: &[Output]) -> Result<(), String> {
    for (i, o) in outputs.iter().enumerate() {
        if let Some(earlier) = outputs[..i].iter().find(|e| e.path == o.path) {
            return Err(format!(
                "{} {} is also given to {}: each report needs its own file",
                o.flag,
                o.path.display(),
                earlier.flag
            ));
        }
        check(o)?;
    }
    Ok(())
}

fn check(o: &Output) -> Result<(), String> {
    let shown = o.path.display();
    if o.path.is_dir() {
        return Err(format!(
            "{} {shown}: is a folder; give a file name in it, e.g. {}",
            o.flag,
            o.path.join("report").display()
        ));
    }
    let parent = match o.path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(format!(
            "{} {shown}: the folder {} does not exist; create it first (mkdir -p) or give another path",
            o.flag,
            parent.display()
        ));
    }
    let tmp = temporary(&o.path);
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&tmp);
            Ok(())
        }
        // Left by a run that was killed while writing: it will be overwritten.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!(
            "{} {shown}: cannot be written ({e}); give a path in a folder you can write to",
            o.flag
        )),
    }
}

/// Writes a file via a temporary one next to it, renamed over it.
pub fn write_file(path: &Path, content: &str) -> std::io::Result<()> {
    let tmp = temporary(path);
    let written = std::fs::write(&tmp, content).and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        // A full disk or a folder given as the path: leave nothing behind.
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

fn temporary(path: &Path) -> PathBuf {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    PathBuf::from(tmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwritable_outputs_are_named_before_anything_runs() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path();
        let err = |o: Output| check_all(&[o]).err().unwrap_or_default();
        let e = err(Output::new("--json", d));
        assert!(e.starts_with("--json ") && e.contains("is a folder"), "{e}");
        let e = err(Output::new("--junit", &d.join("missing/r.xml")));
        assert!(
            e.contains("does not exist") && e.contains("mkdir -p"),
            "{e}"
        );
        assert!(check_all(&[Output::new("--json", &d.join("r.json"))]).is_ok());
        assert!(!d.join("r.json.tmp").exists(), "the probe leaves nothing");
        let same = d.join("r");
        let e = check_all(&[Output::new("--json", &same), Output::new("--html", &same)])
            .err()
            .unwrap_or_default();
        assert!(e.contains("also given to --json"), "{e}");
    }

    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap_or_else(|e| panic!("{e}"));
        assert!(write_file(&target, "x").is_err());
        assert!(!dir.path().join("taken.tmp").exists());
    }
}
