//! End-to-end tests of the `hearth-certs` binary.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use hearth_certs::{inspect_pem_file, JoinCode, CERT_FILE_NAME, KEY_FILE_NAME};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hearth-certs"))
        .args(args)
        .output()
        .expect("run hearth-certs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn generate_into(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["generate", "--out", dir.to_str().unwrap()];
    for san in extra {
        args.extend(["--san", san]);
    }
    run(&args)
}

#[test]
fn generate_then_show_and_code() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("tls");
    let gen = generate_into(&out_dir, &["chat.example.lan", "192.0.2.7"]);
    assert!(gen.status.success(), "{gen:?}");
    let gen_out = stdout(&gen);

    let cert = out_dir.join(CERT_FILE_NAME);
    assert!(cert.is_file());
    assert!(out_dir.join(KEY_FILE_NAME).is_file());
    assert!(gen_out.contains(&cert.display().to_string()), "{gen_out}");

    let info = inspect_pem_file(&cert).unwrap();
    let fingerprint_line = format!("fingerprint {}", info.fingerprint);
    let code_line = format!("join code {}", info.join_code);
    assert!(gen_out.lines().any(|l| l == fingerprint_line), "{gen_out}");
    assert!(gen_out.lines().any(|l| l == code_line), "{gen_out}");

    let show = run(&["show", cert.to_str().unwrap()]);
    assert!(show.status.success(), "{show:?}");
    let show_out = stdout(&show);
    let lines: Vec<&str> = show_out.lines().collect();
    assert!(lines.contains(&"subject CN=Hearth server"), "{show_out}");
    for san in [
        "localhost",
        "127.0.0.1",
        "::1",
        "chat.example.lan",
        "192.0.2.7",
    ] {
        assert!(
            lines.contains(&format!("san {san}").as_str()),
            "{san} missing:\n{show_out}"
        );
    }
    assert!(lines.contains(&fingerprint_line.as_str()), "{show_out}");
    assert!(lines.contains(&code_line.as_str()), "{show_out}");
    assert!(
        lines.iter().any(|l| l.starts_with("not before ")),
        "{show_out}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("not after ")),
        "{show_out}"
    );

    let code = run(&["code", cert.to_str().unwrap()]);
    assert!(code.status.success(), "{code:?}");
    let expected = JoinCode::from_fingerprint(&info.fingerprint).to_string();
    assert_eq!(stdout(&code), format!("{expected}\n"));
    assert_eq!(
        JoinCode::parse(stdout(&code).trim()).unwrap(),
        info.join_code
    );
}

#[test]
fn generate_refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let first = generate_into(tmp.path(), &[]);
    assert!(first.status.success(), "{first:?}");
    let cert_before = fs::read(tmp.path().join(CERT_FILE_NAME)).unwrap();
    let key_before = fs::read(tmp.path().join(KEY_FILE_NAME)).unwrap();

    let again = generate_into(tmp.path(), &[]);
    assert!(!again.status.success(), "{again:?}");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(again.stdout.is_empty());
    assert_eq!(
        fs::read(tmp.path().join(CERT_FILE_NAME)).unwrap(),
        cert_before
    );
    assert_eq!(
        fs::read(tmp.path().join(KEY_FILE_NAME)).unwrap(),
        key_before
    );

    let forced = run(&["generate", "--out", tmp.path().to_str().unwrap(), "--force"]);
    assert!(forced.status.success(), "{forced:?}");
    assert_ne!(
        fs::read(tmp.path().join(CERT_FILE_NAME)).unwrap(),
        cert_before
    );
    assert_ne!(
        fs::read(tmp.path().join(KEY_FILE_NAME)).unwrap(),
        key_before
    );
}

#[test]
fn generate_refuses_if_only_the_key_exists() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join(KEY_FILE_NAME), "keep me").unwrap();
    let out = generate_into(tmp.path(), &[]);
    assert!(!out.status.success(), "{out:?}");
    assert_eq!(
        fs::read_to_string(tmp.path().join(KEY_FILE_NAME)).unwrap(),
        "keep me"
    );
    assert!(!tmp.path().join(CERT_FILE_NAME).exists());
}

#[test]
fn generate_rejects_an_invalid_san() {
    let tmp = tempfile::tempdir().unwrap();
    let out = generate_into(tmp.path(), &["not a hostname"]);
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a hostname"), "{stderr}");
    assert!(!tmp.path().join(KEY_FILE_NAME).exists());
}

#[test]
fn missing_or_invalid_files_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.pem");
    for cmd in ["show", "code"] {
        let out = run(&[cmd, missing.to_str().unwrap()]);
        assert!(!out.status.success(), "{cmd}: {out:?}");
        assert!(out.stdout.is_empty(), "{cmd}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("missing.pem"), "{cmd}: {stderr}");
    }

    let garbage = tmp.path().join("garbage.pem");
    fs::write(&garbage, "hello\n").unwrap();
    let out = run(&["show", garbage.to_str().unwrap()]);
    assert!(!out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no certificate"));
}

#[test]
fn usage_errors_fail() {
    assert!(!run(&[]).status.success());
    assert!(!run(&["generate"]).status.success());
    assert!(!run(&["frobnicate"]).status.success());
}
