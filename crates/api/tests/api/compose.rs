//! `docker-compose.yml`, the whole system for people with Docker.

use std::path::PathBuf;
use std::process::Command;

/// The compose file is valid and defines every part of the system.
#[test]
fn compose_file_is_valid_and_complete() {
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docker-compose.yml");
    let out = Command::new("docker-compose")
        .arg("-f")
        .arg(&file)
        .args(["config", "--services"])
        .output()
        .expect("run docker-compose (scripts/services installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let services = String::from_utf8_lossy(&out.stdout);
    let services: Vec<&str> = services.lines().collect();
    for wanted in [
        "postgres",
        "redis",
        "memcached",
        "rabbitmq",
        "minio",
        "migrate",
        "api",
        "worker",
        "nginx",
    ] {
        assert!(
            services.contains(&wanted),
            "{wanted} missing from {services:?}"
        );
    }
}
