"""Pages generated from the code and the committed results when the site is built (mkdocs-gen-files).

Nothing here is written twice: the CLI reference comes from the typer app, the settings reference
from the pydantic settings, the HTTP reference from FastAPI's OpenAPI document, the Python API from
the docstrings (mkdocstrings), and the numbers pages from bench/results and bench/studies/results.
"""

from __future__ import annotations

import json
import re
import typing
from pathlib import Path
from typing import Any

import mkdocs_gen_files
import typer
from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[1]


def write(path: str, text: str) -> None:
    with mkdocs_gen_files.open(path, "w") as page:
        page.write(text)


def cell(text: Any) -> str:
    """A value made safe for one Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


# --- the CLI ------------------------------------------------------------------------------------
def cli_page() -> str:
    from newsqa.cli import app

    root = typer.main.get_command(app)
    lines = ["# CLI reference", "", "Generated from the `newsqa` command's own definitions (`newsqa/cli.py`); "
             "`newsqa COMMAND --help` prints the same.", ""]
    lines += command_section(root, typer.Context(root, info_name="newsqa"), depth=2)
    return "\n".join(lines) + "\n"


def command_section(command: Any, ctx: typer.Context, depth: int) -> list[str]:
    """A command (typer's click objects) and, for a group, each of its commands."""
    name = ctx.command_path
    lines = [f"{'#' * depth} `{name}`", "", cell_text(command.help or ""), "",
             "```text", command.get_usage(ctx), "```", ""]
    params = [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]
    if params:
        lines += ["| argument or option | kind | help |", "|---|---|---|"]
        lines += [param_row(p, ctx) for p in params]
        lines.append("")
    for sub_name, sub in sorted(getattr(command, "commands", {}).items()):
        if not sub.hidden:
            lines += command_section(sub, typer.Context(sub, info_name=sub_name, parent=ctx), depth + 1)
    return lines


def cell_text(text: str) -> str:
    """A command's help: typer's paragraphs, with its \\b markers dropped."""
    return re.sub(r"^\s*\x08\s*$", "", text, flags=re.M).strip()


def param_row(param: Any, ctx: typer.Context) -> str:
    """One argument or option as `--help` shows it: its names with their type, and its help."""
    record = param.get_help_record(ctx)
    names, help_text = record if record else (param.name, "")
    return f"| `{cell(names)}` | {param.param_type_name} | {cell(help_text)} |"


# --- the settings ---------------------------------------------------------------------------------
def settings_page() -> str:
    from newsqa.bot.config import DiscordAliases, Settings

    lines = [
        "# Settings reference",
        "",
        "Every setting, generated from the settings classes (`bot/config.py`, `index/settings.py`). Each is "
        "read, first wins, from a command-line flag where the command has one, the environment "
        "(`NEWSQA_` and the setting's path, sections joined by a double underscore), the config file "
        "(TOML: `$NEWSQA_CONFIG`, else `config.toml` in the data directory; a section per group, e.g. "
        "`[check]`), then the default. Lists and tables are given in the environment as JSON.",
        "",
        "Also read: " + ", ".join(f"`{name}` (for `discord.{key}`)" for name, key in DiscordAliases.NAMES.items())
        + ".",
        "",
    ]
    groups: list[tuple[str, str, list[str]]] = [("General", "", [])]
    for name, field in Settings.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            rows = [setting_row(f"{name}.{sub}", sub_field) for sub, sub_field in field.annotation.model_fields.items()]
            groups.append((f"[{name}]", first_line(field.annotation.__doc__), rows))
        else:
            groups[0][2].append(setting_row(name, field))
    for title, intro, rows in groups:
        lines += [f"## {title}", "", intro, "", "| setting | environment | type | default | what it does |",
                  "|---|---|---|---|---|", *rows, ""]
    return "\n".join(lines) + "\n"


def setting_row(path: str, field: Any) -> str:
    if not field.description:
        raise SystemExit(f"setting {path} has no description: give it a docstring in its settings class")
    env = "NEWSQA_" + path.replace(".", "__").upper()
    return (f"| `{path}` | `{env}` | {cell(type_name(field.annotation))} | {cell(default_of(field))} "
            f"| {cell(field.description)} |")


def first_line(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())


def type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Literal:
        return " or ".join(f'"{v}"' for v in typing.get_args(annotation))
    text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    return re.sub(r"\b(typing|pathlib|pydantic\.types|newsqa\.[\w.]+)\.", "", text).replace("NoneType", "None")


def default_of(field: Any) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, Path):  # the per-user data directory: shown as on the machine that builds
        return f"`{str(value).replace(str(Path.home()), '~')}` (per user)"
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, str) and not value:
        return '`""`'
    return f"`{json.dumps(value) if isinstance(value, (list, dict, bool)) else value}`"


# --- the HTTP API -------------------------------------------------------------------------------
def http_page() -> tuple[str, str]:
    from newsqa import Settings
    from newsqa.server.app import create_app

    spec = create_app(Settings()).openapi()
    schemas = spec.get("components", {}).get("schemas", {})
    lines = ["# HTTP API reference", "",
             "Generated from the server's OpenAPI document ([openapi.json](openapi.json); a running "
             "`newsqa serve` also serves it at `/openapi.json` and its own docs at `/docs`). MCP is served "
             "at `/mcp` (streamable HTTP) and the web page at `/`; see [the server guide](../guides/server.md).",
             "", "| method | path | what |", "|---|---|---|"]
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    for path, method, op in operations:
        lines.append(f"| {method.upper()} | [`{path}`](#{anchor(method, path)}) | {cell(op.get('summary', ''))} |")
    lines.append("")
    for path, method, op in operations:
        lines += [f"## {method.upper()} {path} {{#{anchor(method, path)}}}", ""]
        if op.get("description"):
            lines += [op["description"].strip(), ""]
        for param in op.get("parameters", []):
            lines.append(f"- {param['in']} parameter `{param['name']}`: {type_of(param.get('schema', {}))}")
        body = op.get("requestBody", {}).get("content", {})
        for media, content in body.items():
            lines += [f"Request body (`{media}`): {schema_fields(content.get('schema', {}), schemas)}", ""]
        for status, response in op.get("responses", {}).items():
            for media, content in response.get("content", {}).items():
                lines.append(f"- **{status}** (`{media}`): {response.get('description', '')}"
                             f"{': ' + ref_name(content['schema']) if '$ref' in content.get('schema', {}) else ''}")
        lines.append("")
    lines += ["## Schemas", ""]
    for name, schema in schemas.items():
        lines += [f"### {name}", "", first_line(schema.get("description")), ""]
        props = schema.get("properties", {})
        if props:
            required = set(schema.get("required", []))
            lines += ["| field | type | required | default |", "|---|---|---|---|"]
            for prop, sub in props.items():
                default = f"`{json.dumps(sub['default'])}`" if "default" in sub else ""
                needed = "yes" if prop in required else ""
                lines.append(f"| `{prop}` | {cell(type_of(sub))} | {needed} | {cell(default)} |")
            lines.append("")
    return "\n".join(lines) + "\n", json.dumps(spec, indent=2)


def anchor(method: str, path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{method} {path}".lower()).strip("-")


def ref_name(schema: dict) -> str:
    return schema["$ref"].rsplit("/", 1)[-1]


def type_of(schema: dict) -> str:
    if "$ref" in schema:
        return ref_name(schema)
    if "anyOf" in schema:
        return " or ".join(type_of(s) for s in schema["anyOf"])
    if schema.get("type") == "array":
        return f"list of {type_of(schema.get('items', {}))}"
    if "enum" in schema:
        return " or ".join(json.dumps(v) for v in schema["enum"])
    return schema.get("type", "any")


def schema_fields(schema: dict, schemas: dict) -> str:
    if "$ref" in schema:
        return f"[{ref_name(schema)}](#{ref_name(schema).lower()})"
    return type_of(schema)


# --- the Python API -----------------------------------------------------------------------------
def python_page() -> str:
    import newsqa

    lines = ["# Python API reference", "",
             "Every name of `newsqa.__all__`, from its docstring. The [Python guide](../guides/python.md) "
             "shows them at work.", ""]
    names = sorted(newsqa.__all__, key=str.lower)
    constants = [name for name in names if not callable(getattr(newsqa, name))]
    if constants:
        lines += ["## Constants", "", "| name | value |", "|---|---|"]
        lines += [f"| `{name}` | `{getattr(newsqa, name)!r}` |" for name in constants]
        lines.append("")
    for name in names:
        if name not in constants:
            lines += [f"::: {newsqa._API[name]}.{name}", "    options:", "      show_root_full_path: false", ""]
    return "\n".join(lines) + "\n"


# --- the numbers --------------------------------------------------------------------------------
RESULT_FOLDERS = {"benchmarks": REPO / "bench" / "results", "studies": REPO / "bench" / "studies" / "results"}


def result_pages() -> None:
    index = ["# All result tables", "",
             "Each table as its script saved it, with the machine it ran on and the command that made it. "
             "Benchmarks (`bench/`) measure what a user runs; studies (`bench/studies/`) are the one-off "
             "tuning and replay runs that chose a default.", ""]
    for kind, folder in RESULT_FOLDERS.items():
        index += [f"## {kind.capitalize()}", ""]
        for table in sorted(folder.glob("*.md")):
            if table.name == "README.md":
                continue
            text = table.read_text(encoding="utf-8")
            title = text.splitlines()[0].lstrip("# ").strip()
            source = table.relative_to(REPO)
            write(f"numbers/results/{kind}/{table.name}",
                  text.replace("\n", f"\n\nSaved as `{source}`.\n", 1))
            index.append(f"- [{title}]({kind}/{table.name}) (`{source}`)")
        index.append("")
    studies = (REPO / "bench" / "studies" / "README.md").read_text(encoding="utf-8")
    table = [line for line in studies.splitlines() if line.startswith("|")]
    index += ["## What each study answered", "", *table, ""]
    write("numbers/results/index.md", "\n".join(index))


write("reference/cli.md", cli_page())
write("reference/settings.md", settings_page())
http_md, openapi_json = http_page()
write("reference/http.md", http_md)
write("reference/openapi.json", openapi_json)
write("reference/python.md", python_page())
result_pages()
