"""A documentation page's Python, run top to bottom as one script.

A reader pastes a page's snippets into one file and runs ``python FILE`` in
a fresh process; so do the tests (tests/test_readme.py, tests/test_docs.py),
rather than ``exec`` inside pytest, whose process has its own warning
filters, imports and event loops.
"""

import os
import re
import subprocess
import sys
import textwrap


def python_blocks(path):
    """The Python snippets of a README (fenced) or an rst page (code-block)."""
    text = path.read_text()
    if path.suffix == ".md":
        return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)
    blocks = re.findall(
        r"^\.\. code-block:: python\n(?:   :.*\n)*\n((?:(?:    .*)?\n)+)", text, flags=re.M
    )
    return [textwrap.dedent(block) for block in blocks]


def run_page(path, folder, timeout=1800):
    """Run the snippets of ``path`` as one script in ``folder``; the result.

    The environment is the user's, less ``TF_CPP_MIN_LOG_LEVEL`` (a quiet
    session is the library's job, not the reader's).
    """
    blocks = python_blocks(path)
    assert blocks, f"{path.name}: no Python"
    script = folder / (path.stem.lower() + ".py")
    script.write_text("\n\n".join(blocks))
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


def assert_clean(result, name):
    """The script ran, wrote nothing to stderr (no warning) and printed no nan."""
    assert result.returncode == 0, f"{name}:\n{result.stderr[-4000:]}"
    assert result.stderr == "", f"{name} wrote to stderr:\n{result.stderr[-4000:]}"
    assert not re.search(r"\bnan\b", result.stdout, flags=re.I), result.stdout[-4000:]
