"""The ``jimu`` command. Each sub-command lives in its own module; heavy imports stay inside them.

Exit codes: 0 done, 1 the command could not do its job (bad input gets a diagnostic, never a
traceback), 2 usage errors (click's own).
"""

from __future__ import annotations

import os
import sys

import click

from .assemblies import graph_command, schema_command, validate_command
from .authority import authority_command
from .call import call_command
from .catalog import catalog_command, show_command
from .demo import demo_command
from .diff import diff_command
from .export import export_group
from .impact import impact_command
from .lock import lock_command
from .map import map_group
from .new import new_group
from .run import run_command
from .sample import sample_command


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="jimu", prog_name="jimu")
def cli() -> None:
    """Jimu (积木): assemble credit products from HQ's versioned capability plugins."""


cli.add_command(catalog_command)
cli.add_command(show_command)
cli.add_command(call_command)
cli.add_command(validate_command)
cli.add_command(graph_command)
cli.add_command(schema_command)
cli.add_command(run_command)
cli.add_command(lock_command)
cli.add_command(sample_command)
cli.add_command(map_group)
cli.add_command(impact_command)
cli.add_command(diff_command)
cli.add_command(authority_command)
cli.add_command(new_group)
cli.add_command(export_group)
cli.add_command(demo_command)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``jimu`` console script."""
    try:
        return cli.main(args=argv, prog_name="jimu", standalone_mode=False) or 0
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    except BrokenPipeError:  # `jimu catalog | head`
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug in Jimu or a plugin: one line, not a traceback
        if os.environ.get("JIMU_DEBUG"):
            raise
        from ..masking import mask_text

        click.echo(f"internal error: {type(exc).__name__}: {mask_text(str(exc))}", err=True)
        click.echo("  hint: this is a bug; rerun with JIMU_DEBUG=1 for the traceback and report it", err=True)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
