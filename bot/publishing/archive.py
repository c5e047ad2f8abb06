"""What a trained model archive says about itself, read without loading the model."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path


class ModelFileError(Exception):
    """The file is missing or is no Rasa model; `key` names the message."""

    def __init__(self, key: str, path: Path, detail: str = "") -> None:
        super().__init__(f"{path}: {detail or key}")
        self.key = key
        self.path = path
        self.detail = detail


def model_id(path: Path) -> str:
    """The id Rasa gives a model when training it (the server's GET /status reports it).

    Only metadata.json is read, so telling models apart costs a pass over the archive
    but never the tens of seconds TensorFlow needs to load one.
    """
    if not path.is_file():
        raise ModelFileError("model_missing", path)
    try:
        with tarfile.open(path, mode="r:gz") as archive:
            for member in archive:
                if member.name.lstrip("./") == "metadata.json" and member.isfile():
                    handle = archive.extractfile(member)
                    if handle is None:
                        break
                    metadata = json.loads(handle.read().decode("utf-8"))
                    value = metadata.get("model_id") if isinstance(metadata, dict) else None
                    if isinstance(value, str) and value:
                        return value
                    break
    except (OSError, tarfile.TarError, EOFError, UnicodeDecodeError, ValueError) as error:
        raise ModelFileError("model_unreadable", path, str(error)) from error
    raise ModelFileError("model_unreadable", path, "no metadata.json with a model_id")
