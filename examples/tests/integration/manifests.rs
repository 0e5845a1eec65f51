//! The Kubernetes manifests of `examples/deploy/kubernetes` pass the schema validator
//! (`examples/deploy/validate.py`: kubernetes-validate, KEDA's CRD schemas, the Temporal trigger's
//! keys, the worker's own rules) and the policy linter (checkov), offline; broken copies fail both,
//! naming what is wrong.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

/// The virtual environment with kubernetes-validate and checkov (`make deploy-tools`):
/// DEPLOY_VENV, else `.tools/deploy-venv` of the repository.
fn venv() -> PathBuf {
    let venv = std::env::var_os("DEPLOY_VENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/deploy-venv"),
        PathBuf::from,
    );
    assert!(
        venv.join("bin/checkov").exists(),
        "no kubernetes-validate and checkov in {}: run `make deploy-tools`",
        venv.display()
    );
    venv
}

fn validate(dir: &Path) -> Output {
    Command::new(venv().join("bin/python"))
        .arg(deploy_dir().join("validate.py"))
        .arg(dir)
        .output()
        .expect("python runs")
}

fn checkov(dir: &Path) -> Output {
    Command::new(venv().join("bin/checkov"))
        .args(["--framework", "kubernetes", "--compact", "--quiet"])
        // Offline: no download of guidelines or policies.
        .arg("--skip-download")
        .arg("--directory")
        .arg(dir)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .expect("checkov runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A copy of the manifests with `edits` (file, from, to) applied.
fn broken_copy(edits: &[(&str, &str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("broken-manifests-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(deploy_dir().join("kubernetes")).unwrap() {
        let path = entry.unwrap().path();
        let mut content = std::fs::read_to_string(&path).unwrap();
        for (file, from, to) in edits {
            if path.file_name().unwrap() == *file {
                assert!(content.contains(from), "{file} has no {from:?}");
                content = content.replace(from, to);
            }
        }
        std::fs::write(dir.join(path.file_name().unwrap()), content).unwrap();
    }
    dir
}

#[test]
fn the_manifests_pass_the_schema_validator_and_checkov_and_broken_ones_fail() {
    let manifests = deploy_dir().join("kubernetes");
    let broken = broken_copy(&[
        (
            "keda.yaml",
            "taskQueue: hello-activities",
            "taskqueue: hello-activities",
        ),
        ("keda.yaml", "maxReplicaCount: 10", "maxReplicaCount: ten"),
        (
            "deployment.yaml",
            "terminationGracePeriodSeconds: 20",
            "terminationGracePeriodSeconds: 10",
        ),
        (
            "deployment.yaml",
            "readOnlyRootFilesystem: true",
            "readOnlyRootFilesystem: false\n            runAsUsr: 0",
        ),
    ]);
    // The four runs side by side: checkov takes a while to start.
    let (good, bad) = std::thread::scope(|scope| {
        let good_checkov = scope.spawn(|| checkov(&manifests));
        let bad_checkov = scope.spawn(|| checkov(&broken));
        let good = validate(&manifests);
        let bad = validate(&broken);
        (
            (good, good_checkov.join().unwrap()),
            (bad, bad_checkov.join().unwrap()),
        )
    });

    let (validated, linted) = good;
    assert!(validated.status.success(), "{}", text(&validated));
    assert!(
        text(&validated).contains("6 valid, 0 invalid"),
        "{}",
        text(&validated)
    );
    assert!(
        text(&validated)
            .contains("ScaledObject production-worker (Kubernetes 1.33.0, KEDA CRD schema)"),
        "{}",
        text(&validated)
    );
    assert!(linted.status.success(), "{}", text(&linted));
    assert!(
        text(&linted).contains("Failed checks: 0"),
        "{}",
        text(&linted)
    );
    println!("{}\n{}", text(&validated), text(&linted));

    let (validated, linted) = bad;
    let report = text(&validated);
    assert!(!validated.status.success(), "{report}");
    for expected in [
        "unknown metadata ['taskqueue']",
        "missing metadata ['taskQueue']",
        "spec.maxReplicaCount: 'ten' is not of type 'integer'",
        "terminationGracePeriodSeconds 10 does not exceed the worker's shutdown bound (15 s)",
        "'runAsUsr' was unexpected",
    ] {
        assert!(report.contains(expected), "no {expected:?} in:\n{report}");
    }
    let report = text(&linted);
    assert!(!linted.status.success(), "{report}");
    assert!(
        report.contains("CKV_K8S_22"),
        "readOnlyRootFilesystem: {report}"
    );
    let _ = std::fs::remove_dir_all(&broken);
}
