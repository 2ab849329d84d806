//! The generator as a tool: a spec edit regenerates exactly what it should (through the CLI),
//! spec mistakes are clear errors rather than panics, and output is deterministic.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A fresh folder under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "talkover-codegen-test-{}-{}-{name}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a temp dir");
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("codegen lives inside the workspace")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs the CLI on `specs`, writing into `out`; panics with its stderr on failure.
fn run_cli(specs: &[PathBuf], out: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_talkover-codegen"))
        .args(specs)
        .arg(out)
        .output()
        .expect("run talkover-codegen");
    assert!(
        output.status.success(),
        "talkover-codegen failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The changed regions between two texts, line-based (longest common subsequence):
/// each hunk is (removed lines, added lines).
fn hunks(old: &str, new: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    let mut current: Option<(Vec<String>, Vec<String>)> = None;
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.extend(current.take());
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            current
                .get_or_insert_with(Default::default)
                .1
                .push(b[j].to_string());
            j += 1;
        } else {
            current
                .get_or_insert_with(Default::default)
                .0
                .push(a[i].to_string());
            i += 1;
        }
    }
    out.extend(current);
    out
}

/// Asserts `new` differs from `old` only in hunks that mention `needle`, and returns the
/// added lines.
fn assert_only_change_is(old: &str, new: &str, needle: &str, what: &str) -> Vec<String> {
    assert!(
        !old.contains(needle),
        "{what}: the original already has {needle}"
    );
    assert!(
        new.contains(needle),
        "{what}: the regenerated output lacks {needle}"
    );
    let hunks = hunks(old, new);
    assert!(!hunks.is_empty());
    let mut added = Vec::new();
    for (removed, inserted) in hunks {
        assert!(
            inserted.iter().any(|line| line.contains(needle)),
            "{what}: a change unrelated to {needle}:\n- {}\n+ {}",
            removed.join("\n- "),
            inserted.join("\n+ ")
        );
        added.extend(inserted);
    }
    added
}

/// Finds the `{...}` block that starts at the first line containing `start`.
fn block<'a>(text: &'a str, start: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"));
    let rest = &text[from..];
    let mut depth = 0usize;
    for (index, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &rest[..=index];
                }
            }
            _ => {}
        }
    }
    panic!("{start}: unbalanced block")
}

#[test]
fn a_new_query_parameter_in_the_spec_reaches_every_output() {
    let root = repo_root();
    let work = TempDir::new("regen");
    let (before_dir, after_dir, edited_dir) = (
        work.path().join("before"),
        work.path().join("after"),
        work.path().join("spec"),
    );
    std::fs::create_dir_all(&edited_dir).expect("mkdir");

    let original = read(&root.join("spec/talkover.yaml"));
    // The new parameter goes right before listCalls' `search`.
    let anchor = "        - name: search\n";
    let list_calls = original
        .find("operationId: listCalls\n")
        .expect("the spec has listCalls");
    let at = list_calls
        + original[list_calls..]
            .find(anchor)
            .expect("listCalls has a `search` parameter");
    let parameter = "        - name: queue_label\n          in: query\n          required: false\n          \
                     description: Only calls with this queue label.\n          schema:\n            type: string\n";
    let edited = format!("{}{parameter}{}", &original[..at], &original[at..]);
    assert_eq!(edited.len(), original.len() + parameter.len());
    std::fs::write(edited_dir.join("talkover.yaml"), &edited).expect("write spec");
    // Another spec alongside, which must come out unchanged.
    std::fs::copy(
        root.join("spec/talkturo.yaml"),
        edited_dir.join("talkturo.yaml"),
    )
    .expect("copy spec");

    run_cli(
        &[
            root.join("spec/talkover.yaml"),
            root.join("spec/talkturo.yaml"),
        ],
        &before_dir,
    );
    run_cli(
        &[
            edited_dir.join("talkover.yaml"),
            edited_dir.join("talkturo.yaml"),
        ],
        &after_dir,
    );
    let file = |dir: &Path, name: &str| read(&dir.join(name));

    for name in ["talkturo.rs", "talkturo_python.rs"] {
        assert_eq!(
            file(&before_dir, name),
            file(&after_dir, name),
            "{name} must not change"
        );
    }

    // Rust: a field of ListCallsParams, sent as a query parameter, and nothing else.
    let (old_rust, new_rust) = (
        file(&before_dir, "talkover.rs"),
        file(&after_dir, "talkover.rs"),
    );
    assert_only_change_is(&old_rust, &new_rust, "queue_label", "talkover.rs");
    let params = block(&new_rust, "pub struct ListCallsParams");
    assert!(
        params.contains("/// Only calls with this queue label.\n    #[serde(skip)]\n    pub queue_label: Option<String>,"),
        "{params}"
    );
    let op = block(&new_rust, "fn op_list_calls(");
    assert!(
        op.contains(r#"request.query("queue_label", value);"#),
        "{op}"
    );

    // Python bindings: a keyword argument of calls.list, passed into the params.
    let (old_py, new_py) = (
        file(&before_dir, "talkover_python.rs"),
        file(&after_dir, "talkover_python.rs"),
    );
    assert_only_change_is(&old_py, &new_py, "queue_label", "talkover_python.rs");
    assert!(new_py.contains("queue_label = None"), "signature default");
    assert!(
        new_py.contains("queue_label: Option<Bound<'py, PyAny>>,"),
        "argument"
    );

    // Stub: the keyword in `CallsResource.list`.
    let (old_stub, new_stub) = (
        file(&before_dir, "_native.pyi"),
        file(&after_dir, "_native.pyi"),
    );
    let added = assert_only_change_is(&old_stub, &new_stub, "queue_label", "_native.pyi");
    assert!(
        added
            .iter()
            .any(|l| l == "        queue_label: str | None = None,"),
        "{added:?}"
    );
    assert!(added.iter().all(|l| l.contains("queue_label")), "{added:?}");
    let list = &new_stub[new_stub.find("class CallsResource").expect("CallsResource")..];
    let list = &list[list.find("    def list(").expect("list")..];
    let signature = &list[..list.find(") ->").expect("signature end")];
    let position = |name: &str| {
        signature
            .find(&format!("        {name}:"))
            .unwrap_or_else(|| panic!("{name} not in {signature}"))
    };
    assert!(position("date_to") < position("queue_label"));
    assert!(position("queue_label") < position("search"));

    // The original spec is untouched.
    assert_eq!(read(&root.join("spec/talkover.yaml")), original);
}

/// A minimal valid spec; `{PATHS}` and `{SCHEMAS}` are filled in by each case.
const BASE: &str = r#"openapi: 3.0.3
info:
  title: Tiny API
  version: 1.0.0
servers:
  - url: https://tiny.example
paths:
{PATHS}
components:
  schemas:
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
{SCHEMAS}
"#;

fn spec(paths: &str, schemas: &str) -> String {
    BASE.replace("{PATHS}", paths.trim_end())
        .replace("{SCHEMAS}", schemas.trim_end())
}

/// `generate` must fail (not panic) with a message containing every one of `needles`.
fn assert_spec_error(name: &str, yaml: &str, needles: &[&str]) {
    let result = std::panic::catch_unwind(|| talkover_codegen::generate("tiny", yaml));
    let result = result.unwrap_or_else(|_| panic!("{name}: the generator panicked"));
    let message = match result {
        Ok(_) => panic!("{name}: the spec was accepted"),
        Err(e) => e.to_string(),
    };
    eprintln!("{name}: {message}");
    for needle in needles {
        assert!(
            message.contains(needle),
            "{name}: the error {message:?} does not mention {needle:?}"
        );
    }
}

#[test]
fn the_base_spec_is_valid() {
    let ok = spec(
        r#"
  /things:
    get:
      operationId: listThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}"#,
        "",
    );
    let generated = talkover_codegen::generate("tiny", &ok).expect("the base spec generates");
    assert!(generated.rust.contains("pub fn list_things("));
}

#[test]
fn spec_mistakes_are_clear_errors() {
    let ok_get = |op_id: &str, extra: &str| {
        format!(
            "      operationId: {op_id}\n{extra}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Thing'}}\n"
        )
    };

    assert_spec_error(
        "missing operationId",
        &spec(
            "  /things:\n    get:\n      responses:\n        '204':\n          description: none\n",
            "",
        ),
        &["operationId", "GET /things"],
    );

    assert_spec_error(
        "a request body without properties",
        &spec(
            "  /things:\n    post:\n      operationId: makeThing\n      requestBody:\n        content:\n          application/json:\n            schema: {type: object, additionalProperties: true}\n      responses:\n        '204':\n          description: none\n",
            "",
        ),
        &["request body", "no properties", "POST /things"],
    );

    assert_spec_error(
        "duplicate SDK name in a group",
        &spec(
            &format!(
                "  /things:\n    get:\n{}  /others:\n    get:\n{}",
                ok_get(
                    "listThings",
                    "      x-fern-sdk-group-name: things\n      x-fern-sdk-method-name: list\n"
                ),
                ok_get(
                    "listOthers",
                    "      x-fern-sdk-group-name: things\n      x-fern-sdk-method-name: list\n"
                ),
            ),
            "",
        ),
        &["list", "twice", "things"],
    );

    assert_spec_error(
        "a method named like a sub-group",
        &spec(
            &format!(
                "  /things:\n    get:\n{}  /things/parts:\n    get:\n{}",
                ok_get(
                    "listThings",
                    "      x-fern-sdk-group-name: things\n      x-fern-sdk-method-name: parts\n"
                ),
                ok_get(
                    "listParts",
                    "      x-fern-sdk-group-name: [things, parts]\n      x-fern-sdk-method-name: list\n"
                ),
            ),
            "",
        ),
        &["parts", "twice", "things"],
    );

    assert_spec_error(
        "$ref to a missing schema",
        &spec(
            "  /things:\n    get:\n      operationId: listThings\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Nowhere'}\n",
            "",
        ),
        &["#/components/schemas/Nowhere"],
    );

    assert_spec_error(
        "x-sdk-pagination naming a missing param",
        &spec(
            &format!(
                "  /things:\n    get:\n{}",
                ok_get(
                    "listThings",
                    "      x-sdk-pagination: {style: page, param: cursor, items: items, current: page}\n      parameters:\n        - {name: page, in: query, schema: {type: integer}}\n"
                )
                .replace("#/components/schemas/Thing", "#/components/schemas/ThingPage")
            ),
            "    ThingPage:\n      type: object\n      required: [items, page]\n      properties:\n        items:\n          type: array\n          items: {$ref: '#/components/schemas/Thing'}\n        page: {type: integer}\n",
        ),
        &["x-sdk-pagination", "cursor"],
    );

    assert_spec_error(
        "x-sdk-unwrap naming a missing property",
        &spec(
            &format!(
                "  /things:\n    get:\n{}",
                ok_get("getThing", "      x-sdk-unwrap: data\n")
            ),
            "",
        ),
        &["x-sdk-unwrap", "data"],
    );

    assert_spec_error(
        "invalid regex pattern",
        &spec(
            &format!("  /things:\n    get:\n{}", ok_get("getThing", "")),
            "",
        )
        .replace(
            "        id: {type: string}\n",
            "        id: {type: string, pattern: '^(unclosed$'}\n",
        ),
        &["pattern", "^(unclosed$", "regex"],
    );

    assert_spec_error(
        "OpenAPI 3.1",
        &spec(
            &format!("  /things:\n    get:\n{}", ok_get("getThing", "")),
            "",
        )
        .replace("openapi: 3.0.3", "openapi: 3.1.0"),
        &["3.1.0", "3.0"],
    );

    assert_spec_error(
        "header parameter",
        &spec(
            &format!(
                "  /things:\n    get:\n{}",
                ok_get(
                    "getThing",
                    "      parameters:\n        - {name: X-Request-Id, in: header, schema: {type: string}}\n"
                )
            ),
            "",
        ),
        &["X-Request-Id", "header"],
    );

    assert_spec_error(
        "not YAML at all",
        "openapi: [unclosed",
        &["not a readable OpenAPI document"],
    );

    assert_spec_error(
        "path placeholder without a parameter",
        &spec(
            &format!("  /things/{{id}}:\n    get:\n{}", ok_get("getThing", "")),
            "",
        ),
        &["{id}"],
    );
}

#[test]
fn x_mock_mistakes_are_clear_errors() {
    // A retrieve operation with a documented 404; `{MOCK}` is its x-mock block.
    let with_mock = |mock: &str, root: &str| {
        let paths = format!(
            "  /things/{{id}}:\n    get:\n      operationId: getThing\n      parameters:\n        - {{name: id, in: path, required: true, schema: {{type: string}}}}\n{mock}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/ThingResponse'}}\n        '404':\n          description: missing\n"
        );
        let envelope = "    ThingResponse:\n      type: object\n      required: [thing]\n      properties:\n        thing: {$ref: '#/components/schemas/Thing'}\n";
        format!("{root}{}", spec(&paths, envelope))
    };
    let collections = "x-mock:\n  collections:\n    things: {}\n";
    let ok = with_mock(
        "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}}\n",
        collections,
    );
    talkover_codegen::generate("tiny", &ok)
        .unwrap_or_else(|e| panic!("a well-formed x-mock is accepted: {e}"));

    // Extensions are parsed by serde (codegen/src/extensions.rs), so a wrong key, value or
    // type is reported in serde's words (`unknown field`, `unknown variant`, `invalid type`),
    // after the operation, the extension and the path inside it.
    let cases = [
        (
            "unknown key",
            "      x-mock: {action: retrieve, colection: things}\n",
            collections,
            &["GET /things/{id}", "x-mock", "unknown field `colection`"][..],
        ),
        (
            "unknown action",
            "      x-mock: {action: fetch, collection: things}\n",
            collections,
            &["x-mock", "action", "unknown variant `fetch`", "retrieve"][..],
        ),
        (
            "undeclared collection",
            "      x-mock: {action: retrieve, collection: widgets, record: thing, lookup: {id: id}}\n",
            collections,
            &["widgets", "root x-mock"][..],
        ),
        (
            "retrieve without a lookup",
            "      x-mock: {action: retrieve, collection: things, record: thing}\n",
            collections,
            &["lookup"][..],
        ),
        (
            "lookup by an input that does not exist",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {thing_id: id}}\n",
            collections,
            &["thing_id", "neither a path parameter nor a body field"][..],
        ),
        (
            "failure with an undocumented status",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}, not-found: 410}\n",
            collections,
            &["410", "not a documented response"][..],
        ),
        (
            "failure naming an unknown code",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}, not-found: GONE}\n",
            collections,
            &["GONE", "x-error-codes"][..],
        ),
        (
            "a reference to an unknown input",
            "      x-mock: {action: update, collection: things, record: thing, lookup: {id: id}, set: {id: $body.nme}}\n",
            collections,
            &["$body.nme"][..],
        ),
        (
            "a record property the response does not have",
            "      x-mock: {action: retrieve, collection: things, record: thingy, lookup: {id: id}}\n",
            collections,
            &["record", "ThingResponse", "thingy"][..],
        ),
        (
            "a set field the record does not have",
            "      x-mock: {action: update, collection: things, record: thing, lookup: {id: id}, set: {colour: red}}\n",
            collections,
            &["set", "Thing", "colour"][..],
        ),
        (
            "a key that means nothing for the action",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}, filters: {}}\n",
            collections,
            &["filters", "no meaning"][..],
        ),
        (
            "an invalid selector with a misspelt rule",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}, invalid: {id.requird: 404}}\n",
            collections,
            &["id.requird", "required"][..],
        ),
        (
            "a misspelt key in a requirement",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}, requires: [{param: id, collection: things, were: {id: x}, error: 404}]}\n",
            collections,
            &["requires", "unknown field `were`"][..],
        ),
        (
            "a misspelt root key",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}}\n",
            "x-mock:\n  colections:\n    things: {}\n",
            &["root x-mock", "unknown field `colections`"][..],
        ),
        (
            "seed records that are not objects",
            "      x-mock: {action: retrieve, collection: things, record: thing, lookup: {id: id}}\n",
            "x-mock:\n  collections:\n    things: {seed: [1, 2]}\n",
            &["root x-mock", "collections.things.seed[0]", "expected a map"][..],
        ),
    ];
    for (name, mock, root, needles) in cases {
        assert_spec_error(name, &with_mock(mock, root), needles);
    }
}

/// `/things` with a POST (`makeThing`), a PATCH (`patchThing`) and a GET (`getThing`),
/// each carrying `extra` lines (extensions) for the operation named `marked`.
fn three_methods(marked: &str, extra: &str) -> String {
    let op = |method: &str, id: &str| {
        let lines = if id == marked { extra } else { "" };
        format!(
            "    {method}:\n      operationId: {id}\n{lines}      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/Thing'}}\n"
        )
    };
    spec(
        &format!(
            "  /things:\n{}{}{}",
            op("post", "makeThing"),
            op("patch", "patchThing"),
            op("get", "getThing")
        ),
        "",
    )
}

#[test]
fn x_sdk_idempotent_marks_a_post_or_patch_safe_to_repeat() {
    let note = "      x-sdk-idempotent: true\n      x-note: Sets the thing to what is sent.\n";
    for marked in ["makeThing", "patchThing"] {
        let generated =
            talkover_codegen::generate("tiny", &three_methods(marked, note)).expect("generates");
        // Only the marked operation's request is declared safe; the runtime gives every
        // other request its method's class.
        for (op, id) in [
            ("fn op_make_thing(", "makeThing"),
            ("fn op_patch_thing(", "patchThing"),
            ("fn op_get_thing(", "getThing"),
        ] {
            let body = block(&generated.rust, op);
            assert_eq!(
                body.contains("request.idempotent();"),
                id == marked,
                "{marked} marked:\n{body}"
            );
        }
        let retry: Vec<(&str, &str)> = generated
            .index
            .iter()
            .map(|op| {
                (
                    op["operation_id"].as_str().expect("id"),
                    op["retry"].as_str().expect("retry"),
                )
            })
            .collect();
        let expected = |id: &str| match id {
            "getThing" => "safe",
            id if id == marked => "safe",
            _ => "unsafe",
        };
        assert_eq!(
            retry,
            ["getThing", "makeThing", "patchThing"].map(|id| (id, expected(id))),
            "{marked} marked"
        );
        for (route, class) in [
            ("GET /things", "getThing"),
            ("POST /things", "makeThing"),
            ("PATCH /things", "patchThing"),
        ] {
            let row = generated
                .reference
                .lines()
                .find(|line| line.contains(&format!("`{route}`")))
                .expect("a row per operation");
            assert!(row.contains(&format!("| {} |", expected(class))), "{row}");
        }
    }
}

#[test]
fn x_sdk_idempotent_mistakes_are_clear_errors() {
    assert_spec_error(
        "a mark without a note",
        &three_methods("makeThing", "      x-sdk-idempotent: true\n"),
        &["x-sdk-idempotent", "x-note", "POST /things"],
    );
    assert_spec_error(
        "a mark with an empty note",
        &three_methods(
            "patchThing",
            "      x-sdk-idempotent: true\n      x-note: '  '\n",
        ),
        &["x-sdk-idempotent", "x-note", "PATCH /things"],
    );
    assert_spec_error(
        "a mark on a GET",
        &three_methods(
            "getThing",
            "      x-sdk-idempotent: true\n      x-note: Reads only.\n",
        ),
        &["x-sdk-idempotent", "GET", "safe to repeat", "POST or PATCH"],
    );
    assert_spec_error(
        "false",
        &three_methods("makeThing", "      x-sdk-idempotent: false\n"),
        &[
            "x-sdk-idempotent",
            "`false` changes nothing",
            "POST /things",
        ],
    );
    assert_spec_error(
        "not a boolean",
        &three_methods(
            "makeThing",
            "      x-sdk-idempotent: 'yes'\n      x-note: Why not.\n",
        ),
        // serde's wording: the extension is parsed in codegen/src/extensions.rs.
        &["x-sdk-idempotent", "expected a boolean", "\"yes\""],
    );
}

/// A paged `GET /things` (`listThings`) with `pagination` as its x-sdk-pagination and
/// `extra` lines (more extensions) on the operation.
fn paged(pagination: &str, extra: &str) -> String {
    spec(
        &format!(
            "  /things:\n    get:\n      operationId: listThings\n      x-sdk-pagination: {pagination}\n{extra}      parameters:\n        - {{name: page, in: query, schema: {{type: integer}}}}\n        - {{name: per_page, in: query, schema: {{type: integer, default: 10}}}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/ThingPage'}}\n"
        ),
        "    ThingPage:\n      type: object\n      required: [items, page]\n      properties:\n        items:\n          type: array\n          items: {$ref: '#/components/schemas/Thing'}\n        page: {type: integer}\n",
    )
}

#[test]
fn extension_mistakes_are_clear_errors() {
    let ok = "{style: page, param: page, items: items, current: page}";
    talkover_codegen::generate("tiny", &paged(ok, ""))
        .unwrap_or_else(|e| panic!("a well-formed x-sdk-pagination is accepted: {e}"));
    // Wording after the operation and the extension is serde's (`unknown variant`,
    // `unknown field`): every extension is parsed in codegen/src/extensions.rs.
    let cases = [
        (
            "an unknown pagination style",
            paged(
                "{style: cursor, param: page, items: items, current: page}",
                "",
            ),
            &[
                "GET /things",
                "x-sdk-pagination",
                "style",
                "unknown variant `cursor`",
                "`page` or `offset`",
            ][..],
        ),
        (
            "an unknown key in x-sdk-pagination",
            paged(
                "{style: page, param: page, items: items, current: page, curent: page}",
                "",
            ),
            &["GET /things", "x-sdk-pagination", "unknown field `curent`"][..],
        ),
        (
            "the other style's key in x-sdk-pagination",
            paged("{style: page, param: page, items: items, offset: page}", ""),
            &[
                "GET /things",
                "x-sdk-pagination",
                "`offset` has no meaning",
                "`current`",
            ][..],
        ),
        (
            "an unknown key in x-mock.page",
            paged(ok, "      x-mock: {page: {size: per_page, feilds: {}}}\n"),
            &["GET /things", "x-mock", "page", "unknown field `feilds`"][..],
        ),
        (
            "an unknown page value in x-mock.page",
            paged(
                ok,
                "      x-mock: {page: {size: per_page, fields: {page: next}}}\n",
            ),
            &[
                "GET /things",
                "x-mock",
                "page.fields.page",
                "unknown variant `next`",
            ][..],
        ),
        (
            "an unknown x-sdk extension on an operation",
            paged(ok, "      x-sdk-paginate: true\n"),
            &["GET /things", "unknown extension x-sdk-paginate"][..],
        ),
        (
            "an unknown key in an x-error-codes entry",
            paged(
                ok,
                "      x-error-codes: [{code: GONE, status: 410, meening: gone}]\n",
            ),
            &[
                "GET /things",
                "x-error-codes",
                "[0]",
                "unknown field `meening`",
            ][..],
        ),
        (
            "a group name that is neither a string nor a list",
            paged(ok, "      x-fern-sdk-group-name: {things: all}\n"),
            &[
                "GET /things",
                "x-fern-sdk-group-name",
                "a string or a list of strings",
            ][..],
        ),
        (
            "an unknown key in info.x-sdk-client",
            paged(ok, "").replace(
                "  version: 1.0.0\n",
                "  version: 1.0.0\n  x-sdk-client: {name: Tiny, python-prefx: T}\n",
            ),
            &["x-sdk-client", "unknown field `python-prefx`"][..],
        ),
    ];
    for (name, yaml, needles) in cases {
        assert_spec_error(name, &yaml, needles);
    }
}

#[test]
fn refs_to_missing_or_looping_components_are_clear_errors() {
    let get = |extra: &str, response: &str| {
        spec(
            &format!("  /things:\n    get:\n      operationId: getThing\n{extra}      responses:\n        '200':\n{response}"),
            "    Loop: {$ref: '#/components/schemas/Round'}\n    Round: {$ref: '#/components/schemas/Loop'}\n",
        )
    };
    let body = "          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Thing'}\n";
    let cases = [
        (
            "a parameter $ref that points nowhere",
            get(
                "      parameters:\n        - {$ref: '#/components/parameters/Nope'}\n",
                body,
            ),
            &[
                "GET /things",
                "$ref #/components/parameters/Nope points nowhere",
            ][..],
        ),
        (
            "a response $ref that points nowhere",
            get("", "          $ref: '#/components/responses/Nope'\n"),
            &[
                "GET /things",
                "$ref #/components/responses/Nope points nowhere",
            ][..],
        ),
        (
            "a parameter $ref to a schema",
            get(
                "      parameters:\n        - {$ref: '#/components/schemas/Thing'}\n",
                body,
            ),
            &[
                "unsupported $ref #/components/schemas/Thing",
                "#/components/parameters/",
            ][..],
        ),
        (
            "schemas that refer to each other in a loop",
            get("", &body.replace("Thing", "Loop")),
            &["GET /things", "#/components/schemas/Loop", "loop"][..],
        ),
    ];
    for (name, yaml, needles) in cases {
        assert_spec_error(name, &yaml, needles);
    }
}

#[test]
fn the_cli_reports_spec_errors_without_panicking() {
    let work = TempDir::new("cli-error");
    let bad = work.path().join("broken.yaml");
    std::fs::write(
        &bad,
        spec(
            "  /things:\n    get:\n      responses:\n        '204':\n          description: none\n",
            "",
        ),
    )
    .expect("write spec");
    let output = Command::new(env!("CARGO_BIN_EXE_talkover-codegen"))
        .arg(&bad)
        .arg(work.path().join("out"))
        .output()
        .expect("run talkover-codegen");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("broken.yaml"), "{stderr}");
    assert!(stderr.contains("operationId"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let usage = Command::new(env!("CARGO_BIN_EXE_talkover-codegen"))
        .output()
        .expect("run talkover-codegen");
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("usage"));
}

#[test]
fn output_is_deterministic() {
    let root = repo_root();
    let mut specs: Vec<PathBuf> = std::fs::read_dir(root.join("spec"))
        .expect("spec folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    specs.push(root.join("codegen/tests/fixtures/edge.yaml"));
    for path in &specs {
        let first = talkover_codegen::generate_file(path).expect("generates");
        let second = talkover_codegen::generate_file(path).expect("generates");
        assert_eq!(first.rust, second.rust, "{}", path.display());
        assert_eq!(first.python, second.python, "{}", path.display());
        assert_eq!(first.stub, second.stub, "{}", path.display());
        assert_eq!(first.python_names, second.python_names);
        // Text in memory and text read from disk give the same result.
        let text = read(path);
        let from_text = talkover_codegen::generate(&first.module, &text).expect("generates");
        assert_eq!(from_text.rust, first.rust);
    }
    let apis: Vec<_> = specs[..specs.len() - 1]
        .iter()
        .map(|p| talkover_codegen::generate_file(p).expect("generates"))
        .collect();
    assert_eq!(
        talkover_codegen::stub_file(&apis).expect("stub"),
        talkover_codegen::stub_file(&apis).expect("stub")
    );
}

#[test]
fn two_apis_with_the_same_python_class_are_refused() {
    let root = repo_root();
    let a = talkover_codegen::generate_file(&root.join("spec/talkover.yaml")).expect("generates");
    let mut b = a.clone();
    b.module = "copy".into();
    let message = talkover_codegen::stub_file(&[a, b])
        .expect_err("clashing class names")
        .to_string();
    assert!(
        message.contains("talkover") && message.contains("copy"),
        "{message}"
    );
}

#[test]
fn a_python_prefix_keeps_two_apis_models_apart() {
    let paths = r#"
  /things/{id}:
    get:
      operationId: getThing
      x-fern-sdk-group-name: things
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: one
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Thing'
"#;
    let plain = talkover_codegen::generate("tiny", &spec(paths, "")).expect("generates");
    let prefixed_spec = spec(&paths.replace("/things/", "/other/"), "").replace(
        "  version: 1.0.0\n",
        "  version: 1.0.0\n  x-sdk-client:\n    name: Other\n    python-prefix: Other\n",
    );
    let prefixed = talkover_codegen::generate("other", &prefixed_spec).expect("generates");
    assert!(prefixed.python_names.contains(&"OtherThing".to_string()));
    assert!(prefixed
        .python_names
        .contains(&"OtherThingsResource".to_string()));
    assert!(
        prefixed
            .stub
            .contains("def get_thing(\n        self,\n        id: str,\n    ) -> OtherThing:"),
        "{}",
        prefixed.stub
    );
    // Rust keeps each API in its own module, so its type names stay unprefixed.
    assert!(
        prefixed.rust.contains("pub struct Thing "),
        "{}",
        prefixed.rust
    );
    let stub = talkover_codegen::stub_file(&[plain.clone(), prefixed]).expect("no clash");
    assert!(stub.contains("class Thing:") && stub.contains("class OtherThing:"));

    let mut unprefixed = plain.clone();
    unprefixed.module = "copy".into();
    let message = talkover_codegen::stub_file(&[plain, unprefixed])
        .expect_err("the same class twice")
        .to_string();
    assert!(message.contains("python-prefix"), "{message}");
}

#[test]
fn mock_routes_must_be_unique_across_apis_and_outside_the_control_prefix() {
    let api = |module: &str, group: &str, path: &str| {
        let param = path
            .rsplit('{')
            .next()
            .unwrap_or_default()
            .trim_end_matches('}');
        let paths = format!(
            "  {path}:\n    delete:\n      operationId: remove\n      x-fern-sdk-group-name: {group}\n      parameters:\n        - {{name: {param}, in: path, required: true, schema: {{type: string}}}}\n      responses:\n        '204':\n          description: gone\n"
        );
        talkover_codegen::generate(module, &spec(&paths, "")).expect("generates")
    };
    let message = talkover_codegen::stub_file(&[
        api("tiny", "things", "/v1/things/{id}"),
        api("other", "stuff", "/v1/things/{thing_id}"),
    ])
    .expect_err("the same route twice")
    .to_string();
    assert!(
        message.contains("DELETE /v1/things/{}")
            && message.contains("tiny")
            && message.contains("other"),
        "{message}"
    );

    let message = talkover_codegen::stub_file(&[api("tiny", "things", "/__mock__/things/{id}")])
        .expect_err("a path under the control prefix")
        .to_string();
    assert!(message.contains("/__mock__"), "{message}");
}
