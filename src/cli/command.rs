//! Builds the clap command tree from the generated tables: the crate's own API at the root,
//! every other API under a subcommand named after it, a subcommand per resource group and
//! one per operation; and finds, from the parsed matches, the operation to run.

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{value_parser, Arg, ArgAction, ArgMatches, Command};

use super::args::parse_json;
use super::{ApiCommands, Kind, Operation, Param, PathArg};

/// Ids of the flags every command takes. Prefixed so they never meet an id of the spec's
/// (argument names are identifiers, which have no dot). Their long names (and `--help`,
/// `--version`) are kept from parameters by the generator: `RESERVED_FLAGS` in
/// codegen/src/emit/cli.rs lists them again.
pub(crate) const TOKEN: &str = "cli.token";
pub(crate) const BASE_URL: &str = "cli.base_url";
pub(crate) const JSON: &str = "cli.json";
pub(crate) const TABLE: &str = "cli.table";
pub(crate) const ALL_PAGES: &str = "cli.all_pages";

/// The API that sits at the root of the command line: the crate's own.
pub(crate) fn is_root(api: &ApiCommands) -> bool {
    api.module == env!("CARGO_PKG_NAME")
}

/// The whole command line.
pub(crate) fn root(apis: &[&'static ApiCommands]) -> Command {
    let mut about = String::from("Command line for");
    let mut after = String::from(
        "Output: a table on a terminal, JSON when stdout is not a terminal (lists as JSON lines, \
         one item per line); --json and --table choose.\n\
         Exit status: 0 on success, 1 on an API or connection error, 2 on a usage or validation \
         error (nothing was sent).\n",
    );
    for api in apis {
        let name = if is_root(api) {
            format!(" the {}", api.title)
        } else {
            format!(", `talkover {}` for the {}", api.module, api.title)
        };
        about.push_str(&name);
        after.push_str(&format!(
            "\n{}: token from --token or {}, host from --base-url or {}{}.",
            api.title,
            api.info.token_env,
            api.info.base_url_env,
            match api.info.default_base_url {
                Some(url) => format!(" (default {url})"),
                None => String::new(),
            }
        ));
    }
    about.push('.');
    let mut command = Command::new("talkover")
        .version(env!("CARGO_PKG_VERSION"))
        .about(about)
        .after_help(after)
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_args());
    for api in apis {
        if is_root(api) {
            command = groups(command, api, &[]);
        } else {
            let sub = Command::new(api.module)
                .about(api.title)
                .long_about(format!("{}: {}", api.title, api.about))
                .subcommand_required(true)
                .arg_required_else_help(true);
            command = command.subcommand(groups(sub, api, &[]));
        }
    }
    #[cfg(feature = "mock")]
    {
        command = command.subcommand(super::mock::command());
    }
    command
}

fn global_args() -> [Arg; 4] {
    [
        Arg::new(TOKEN)
            .long("token")
            .value_name("TOKEN")
            .global(true)
            .help_heading("Global options")
            .help("API token (default: the API's token environment variable)"),
        Arg::new(BASE_URL)
            .long("base-url")
            .value_name("URL")
            .global(true)
            .help_heading("Global options")
            .help("Where requests go (default: the API's base URL environment variable)"),
        Arg::new(JSON)
            .long("json")
            .action(ArgAction::SetTrue)
            .global(true)
            .conflicts_with(TABLE)
            .help_heading("Global options")
            .help("Write JSON: a list as JSON lines, one item per line"),
        Arg::new(TABLE)
            .long("table")
            .action(ArgAction::SetTrue)
            .global(true)
            .help_heading("Global options")
            .help("Write a table even when stdout is not a terminal"),
    ]
}

/// Adds to `command` the operations and child groups of the group at `prefix`.
fn groups(mut command: Command, api: &'static ApiCommands, prefix: &[&'static str]) -> Command {
    let mut children: Vec<&'static str> = Vec::new();
    for op in api.operations {
        if op.group == prefix {
            command = command.subcommand(operation(op));
        } else if let Some(child) = op.group.strip_prefix(prefix).and_then(|rest| rest.first()) {
            if !children.contains(child) {
                children.push(child);
            }
        }
    }
    for child in children {
        let mut path = prefix.to_vec();
        path.push(child);
        let methods: Vec<&str> = api
            .operations
            .iter()
            .filter(|op| op.group == path.as_slice())
            .map(|op| op.name)
            .collect();
        let about = if methods.is_empty() {
            format!("Operations on {}", path.join(" "))
        } else {
            format!("{}: {}", path.join(" "), methods.join(", "))
        };
        let sub = named(Command::new(child), child)
            .about(about)
            .subcommand_required(true)
            .arg_required_else_help(true);
        command = command.subcommand(groups(sub, api, &path));
    }
    command
}

/// A kebab-case command also answers to its snake_case name (`callback_agents`), as the
/// Python client spells it.
fn named(command: Command, name: &str) -> Command {
    if name.contains('-') {
        command.alias(name.replace('-', "_"))
    } else {
        command
    }
}

fn operation(op: &'static Operation) -> Command {
    let mut long_about = String::new();
    if !op.doc.is_empty() {
        long_about.push_str(op.doc);
        long_about.push_str("\n\n");
    }
    long_about.push_str(&format!("{} (retry: {})", op.route, op.retry));
    let mut command = named(Command::new(op.name), op.name)
        .about(op.summary)
        .long_about(long_about)
        .args(op.path.iter().map(path_arg))
        .args(op.params.iter().map(flag));
    if op.paged {
        command = command.arg(
            Arg::new(ALL_PAGES)
                .long("all-pages")
                .action(ArgAction::SetTrue)
                .help("Fetch every page, not only the first (progress on stderr)"),
        );
    }
    command
}

fn path_arg(p: &'static PathArg) -> Arg {
    Arg::new(p.id)
        .value_name(p.value_name)
        .required(true)
        .help(p.help)
}

fn flag(p: &'static Param) -> Arg {
    let arg = Arg::new(p.id)
        .long(p.flag)
        .value_name(p.value_name)
        .required(p.required)
        .help(p.help)
        .long_help(p.long_help)
        .action(ArgAction::Set);
    match p.kind {
        Kind::Text => arg,
        Kind::Integer => arg.value_parser(value_parser!(i64)),
        Kind::Number => arg.value_parser(value_parser!(f64)),
        // `--flag` alone is true; `--flag=false` sends false.
        Kind::Boolean => arg
            .value_parser(value_parser!(bool))
            .num_args(0..=1)
            .require_equals(true)
            .default_missing_value("true"),
        Kind::Choice(values) => arg.value_parser(PossibleValuesParser::new(
            values.iter().map(|v| PossibleValue::new(*v)),
        )),
        Kind::Json => arg.value_parser(parse_json),
    }
}

/// What the parsed command line asks for.
pub(crate) enum Chosen<'m> {
    Operation {
        operation: &'static Operation,
        matches: &'m ArgMatches,
    },
    #[cfg(feature = "mock")]
    Mock(&'m ArgMatches),
}

/// The operation (or other command) the matches name, following subcommands to the leaf.
pub(crate) fn chosen<'m>(
    apis: &[&'static ApiCommands],
    matches: &'m ArgMatches,
) -> Option<Chosen<'m>> {
    let (first, mut leaf) = matches.subcommand()?;
    #[cfg(feature = "mock")]
    if first == super::mock::NAME {
        return Some(Chosen::Mock(leaf));
    }
    let mut path: Vec<&str> = Vec::new();
    let api = match apis.iter().find(|a| !is_root(a) && a.module == first) {
        Some(api) => api,
        None => {
            path.push(first);
            apis.iter().find(|a| is_root(a))?
        }
    };
    while let Some((name, sub)) = leaf.subcommand() {
        path.push(name);
        leaf = sub;
    }
    let (name, group) = path.split_last()?;
    let operation = api
        .operations
        .iter()
        .find(|op| op.name == *name && op.group == group)?;
    Some(Chosen::Operation {
        operation,
        matches: leaf,
    })
}
