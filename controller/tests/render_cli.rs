//! `pinghu render` as a user runs it.

mod common;
use common::pinghu;

#[test]
fn json_summary_and_png_pages() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pages");
    let (code, stdout, err) = pinghu(&[
        "render",
        "--text",
        "停水通知：因管网维修，11月28日8:00至18:00小溪塔街道部分区域停水。",
        "--width",
        "96",
        "--height",
        "32",
        "--font-size",
        "16",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let pages = v["pages"].as_u64().unwrap();
    assert!(pages >= 2, "{v}");
    assert_eq!(v["missing"], serde_json::json!([]));
    assert_eq!(
        (v["font_size"].as_u64(), v["width"].as_u64(), v["height"].as_u64()),
        (Some(16), Some(96), Some(32))
    );
    for i in 1..=pages {
        let p = out.join(format!("page-{i:03}.png"));
        let img = image_size(&p);
        assert_eq!(img, (96 * 8, 32 * 8), "{}", p.display());
    }
    assert!(!out.join(format!("page-{:03}.png", pages + 1)).exists());
}

fn image_size(p: &std::path::Path) -> (u32, u32) {
    // PNG IHDR: width and height big-endian at bytes 16..24.
    let b = std::fs::read(p).unwrap();
    assert_eq!(&b[1..4], b"PNG");
    (
        u32::from_be_bytes([b[16], b[17], b[18], b[19]]),
        u32::from_be_bytes([b[20], b[21], b[22], b[23]]),
    )
}

#[test]
fn ascii_pages_and_missing_characters() {
    let (code, out, err) = pinghu(&["render", "--text", "𠀋夷", "--width", "32", "--height", "16", "--ascii"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("page 1/1"), "{out}");
    assert!(
        out.contains(".##############."),
        "the box of the missing character: {out}"
    );
    assert!(err.contains("no font has 𠀋 (U+2000B)"), "{err}");
    let (code, json, _) = pinghu(&[
        "render", "--text", "𠀋夷", "--width", "32", "--height", "16", "--json", "--strict",
    ]);
    assert_eq!(code, 1, "--strict fails on missing glyphs");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["missing"], serde_json::json!(["𠀋"]));
}

#[test]
fn impossible_requests_exit_1_with_the_reason() {
    for (args, want) in [
        (
            vec!["--width", "64", "--height", "16", "--font-size", "32"],
            "a 32 px font does not fit a board 16 px high",
        ),
        (
            vec!["--width", "64", "--height", "16", "--font-size", "20"],
            "use --font-size 12, 16, 24 or 32",
        ),
    ] {
        let mut a = vec!["render", "--text", "字", "--ascii"];
        a.extend(args);
        let (code, _, err) = pinghu(&a);
        assert_eq!(code, 1, "{a:?}");
        assert!(err.contains(want), "{a:?}: {err}");
    }
    // A size no board has is a usage error (exit 2) with the range, never an allocation.
    for (w, h, bad, range) in [
        ("0", "16", "0", "1..=4096"),
        ("100000", "16", "100000", "1..=4096"),
        ("64", "5000", "5000", "1..=1024"),
    ] {
        let a = ["render", "--text", "字", "--ascii", "--width", w, "--height", h];
        let (code, _, err) = pinghu(&a);
        assert_eq!(code, 2, "{a:?}: {err}");
        assert!(err.contains(&format!("{bad} is not in {range}")), "{a:?}: {err}");
    }
    // A value outside the vocabulary is a usage error (exit 2) that lists the possible values.
    let (code, _, err) = pinghu(&[
        "render", "--text", "字", "--ascii", "--width", "64", "--height", "16", "--color", "blue",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("invalid value 'blue'") && err.contains("red, green, yellow"),
        "{err}"
    );
    let (code, _, err) = pinghu(&[
        "render",
        "--file",
        "/nonexistent.txt",
        "--width",
        "64",
        "--height",
        "16",
        "--ascii",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read /nonexistent.txt"), "{err}");
    let long = "字".repeat(2001);
    let (code, _, err) = pinghu(&["render", "--text", &long, "--width", "64", "--height", "16", "--ascii"]);
    assert_eq!(code, 1);
    assert!(err.contains("more than the limit of 2000"), "{err}");
    let (code, _, _) = pinghu(&["render", "--text", "字", "--width", "64", "--height", "16"]);
    assert_eq!(code, 2, "an output (--out, --ascii or --json) is required");
}

#[test]
fn a_bdf_font_replaces_the_built_in_one() {
    // A 12 px BDF font whose 夷 is a solid 12x12 block: the page must show exactly that.
    let dir = tempfile::tempdir().unwrap();
    let bdf = dir.path().join("block12.bdf");
    let rows = "FFF0\n".repeat(12);
    std::fs::write(
        &bdf,
        format!(
            "STARTFONT 2.1\nFONT block-12\nSIZE 12 75 75\nFONTBOUNDINGBOX 12 12 0 -2\nSTARTPROPERTIES 3\nPIXEL_SIZE 12\nFONT_ASCENT 10\nFONT_DESCENT 2\nENDPROPERTIES\nCHARS 1\n\
             STARTCHAR yi\nENCODING 22839\nDWIDTH 12 0\nBBX 12 12 0 -2\nBITMAP\n{rows}ENDCHAR\nENDFONT\n"
        ),
    )
    .unwrap();
    let (code, out, err) = pinghu(&[
        "render",
        "--text",
        "夷",
        "--width",
        "12",
        "--height",
        "12",
        "--font-size",
        "12",
        "--font",
        bdf.to_str().unwrap(),
        "--ascii",
    ]);
    assert_eq!(code, 0, "{err}");
    let page: Vec<&str> = out.lines().skip(1).take(12).collect();
    assert!(page.iter().all(|l| *l == "############"), "{out}");
    // The wrong size is refused with the right one named.
    let (code, _, err) = pinghu(&[
        "render",
        "--text",
        "夷",
        "--width",
        "32",
        "--height",
        "16",
        "--font-size",
        "16",
        "--font",
        bdf.to_str().unwrap(),
        "--ascii",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("is a 12 px font: use --font-size 12"), "{err}");
}
