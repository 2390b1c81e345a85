//! The docker CLI, for components run as containers (`crmsim run --containers`).
//!
//! The CLI rather than the Engine API: it is what an operator types, it is on every machine
//! that has Docker, and it speaks whatever API version the engine offers (Debian's Docker 20.10
//! refuses the newer clients; see the testcontainers pin in Cargo.toml).

use std::time::Duration;

use tokio::process::Command;

/// Runs `docker ARGS`; its trimmed stdout, or an error naming the command and its stderr.
pub async fn docker(args: &[&str]) -> Result<String, String> {
    let out = Command::new("docker")
        .args(args)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!(
            "docker {} failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// As [`docker`], given up after `limit`.
pub async fn docker_within(args: &[&str], limit: Duration) -> Result<String, String> {
    tokio::time::timeout(limit, docker(args))
        .await
        .map_err(|_| {
            format!(
                "docker {} took more than {}s",
                args.join(" "),
                limit.as_secs()
            )
        })?
}

/// Stdout and stderr of a container so far (the CLI prints the container's stdout on its own
/// stdout).
pub async fn logs(name: &str) -> (String, String) {
    match Command::new("docker").args(["logs", name]).output().await {
        Ok(out) => (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        Err(e) => (String::new(), format!("cannot run docker logs: {e}")),
    }
}

/// Checks that an engine answers and `image` is there; the error says how to get both.
pub async fn preflight(image: &str) -> Result<(), String> {
    docker_within(
        &["info", "--format", "{{.ServerVersion}}"],
        Duration::from_secs(20),
    )
    .await
    .map_err(|e| {
        format!(
            "no Docker engine answers ({e}): start it or set DOCKER_HOST, or run with --processes"
        )
    })?;
    docker(&["image", "inspect", "--format", "{{.Id}}", image])
        .await
        .map_err(|_| {
            format!("image {image} is not here: ci/images.sh builds crmsim/crmsim:local from this checkout, or name another with --image / CRMSIM_IMAGE")
        })?;
    Ok(())
}
