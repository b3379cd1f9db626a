//! `spillway serve` as a process: loads its configuration and scenario,
//! answers a request kube-scheduler recorded, serves /readyz and /metrics,
//! stops gracefully on SIGTERM (exit 0), and refuses a bad configuration
//! (exit 2 naming the field).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spillway-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serves_a_recorded_request_then_stops_on_sigterm() {
    let dir = temp_dir("run");
    let scenario = root().join("fixtures/golden/extender/scenario.json");
    let config = dir.join("extender.yaml");
    std::fs::write(
        &config,
        format!(
            "urlPrefix: /spillway\ncluster: {{scenario: {}}}\npolicies: {{filter: [strict-overflow]}}\n",
            scenario.display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("spillway serve: listening on http://")
        .unwrap_or_else(|| panic!("{line}"));
    let addr = url.strip_suffix("/spillway").unwrap().to_string();

    assert_eq!(http(&addr, "GET", "/readyz", "").0, 200);
    let request = std::fs::read_to_string(
        root().join("fixtures/golden/extender/wire/11-names-filter.request.json"),
    )
    .unwrap();
    let (status, body) = http(&addr, "POST", "/spillway/filter", &request);
    assert_eq!(status, 200, "{body}");
    assert!(
        body.starts_with(r#"{"Nodes":null,"NodeNames":["cn-hangzhou.10.0.1.10","worker-1","worker-2"],"FailedNodes":{},"FailedAndUnresolvableNodes":{"virtual-kubelet-cn-hangzhou-h":"virtual node held for overflow"#),
        "{body}"
    );
    let (status, body) = http(&addr, "POST", "/spillway/filter", "{not json");
    assert_eq!(status, 400, "{body}");
    let (status, metrics) = http(&addr, "GET", "/metrics", "");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("spillway_extender_cache_nodes 4"),
        "{metrics}"
    );

    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_configuration_is_exit_2_naming_the_field() {
    let dir = temp_dir("bad");
    let config = dir.join("extender.yaml");
    std::fs::write(&config, "policies: {filter: [cost]}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spillway"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("extender.yaml") && err.contains("policies.filter[0]"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
