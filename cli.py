"""Command line: ``python cli.py validate PATH`` and ``python cli.py demo --out DIR``.

Thin, like app.py: it parses arguments, calls geodata/planning, prints, and sets the exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geodata.default import write_default
from geodata.errors import DataValidationError, GeodataError
from geodata.package import load_package


def _print_issues(issues, lang: str) -> None:
    tags = {"error": "错误 ERROR", "warning": "警告 WARNING", "info": "提示 INFO"}
    for i in issues:
        print(f"[{tags[i.severity]}] {i.where(lang)}: {i.message(lang)}")
        if i.severity != "info":
            print(f"    → {i.fix(lang)}")


def cmd_validate(args: argparse.Namespace) -> int:
    config_text = Path(args.config).read_text(encoding="utf-8-sig") if args.config else None
    try:
        pkg = load_package(Path(args.path), config_text=config_text)
    except DataValidationError as exc:
        _print_issues(exc.issues, args.lang)
        print("无法使用该数据包 / the package cannot be used", file=sys.stderr)
        return 2
    except (GeodataError, OSError) as exc:
        print(f"无法读取 / cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    for name in ("districts", "units", "facilities", "partnerships"):
        frame = getattr(pkg, name)
        meta = pkg.meta.get(name)
        rejected = len(pkg.report.rejected.get(name, ()))
        how = f"{meta.source}, {meta.crs}" if meta else "-"
        print(f"{name:13s} {len(frame):6d} loaded  {rejected:4d} rejected  ({how})")
    print(f"population    {pkg.population:,.0f}")
    _print_issues(pkg.report.issues, args.lang)
    counts = pkg.report.counts()
    print(f"errors {counts['error']}, warnings {counts['warning']}, notes {counts['info']}")
    return 1 if counts["error"] else 0


def cmd_demo(args: argparse.Namespace) -> int:
    for path in write_default(Path(args.out)):
        print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cli.py", description="医联体网格化布局规划 / medical alliance grid planner")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of messages (default zh)")
    sub = parser.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="load a data package and print every problem; exit 1 on errors")
    v.add_argument("path", help="package folder, .zip of one, or .gpkg")
    v.add_argument("--config", help="config.toml to use instead of the package's own")
    v.set_defaults(func=cmd_validate)
    d = sub.add_parser("demo", help="write the embedded Shanghai default as a data package")
    d.add_argument("--out", required=True, help="folder to write")
    d.set_defaults(func=cmd_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
