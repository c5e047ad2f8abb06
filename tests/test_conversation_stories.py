"""Rasa's own conversation tests (tests/stories/) against the trained model."""

import subprocess
import sys

from bot.stack import PROJECT_DIR


def test_conversation_stories_pass(model_path, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(model_path),
            "--stories",
            str(PROJECT_DIR / "tests" / "stories"),
            "--out",
            str(tmp_path),
            "--fail-on-prediction-errors",
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text("utf-8") if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details
    assert "Correct:" in result.stdout + result.stderr
