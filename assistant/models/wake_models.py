"""wake.models as files: built-in names located in their packages, custom models by path."""

from __future__ import annotations

from pathlib import Path

from assistant.config.loader import Config
from assistant.core.errors import ModelError
from assistant.models.catalog import Catalog
from assistant.models.paths import resolve_model
from assistant.wake import micro, openwakeword
from assistant.wake.neural import ModelSpec

BUILTIN = {"micro": micro.BUILTIN, "openwakeword": openwakeword.BUILTIN}
"""Built-in model names of each neural engine; catalog entry ``<engine>-<name>`` holds each."""


def wake_model_specs(config: Config, engine: str, catalog: Catalog) -> list[ModelSpec]:
    """Every wake.models entry with its file located; ModelError naming the entry otherwise."""
    return [_spec(config, engine, catalog, i, model) for i, model in enumerate(config.settings.wake.models)]


def _spec(config: Config, engine: str, catalog: Catalog, i: int, model) -> ModelSpec:
    key = f"wake.models[{i}].name"
    ref = model.name.strip()
    short = ref.removeprefix(f"{engine}-")
    if short in BUILTIN[engine]:
        path = resolve_model(f"{engine}-{short}", "wake", config.models_dir, catalog, key=key)
        return ModelSpec(key, short, path, model.threshold, model.phrase)
    path = Path(ref).expanduser()
    if not path.exists():
        names = ", ".join(BUILTIN[engine])
        what = "not found" if "/" in ref or path.suffix else f"not a built-in {engine} model ({names})"
        raise ModelError(f"{key}: '{ref}' is {what}; give a built-in name or the path of an existing model file")
    return ModelSpec(key, ref, resolve_model(ref, "wake", config.models_dir, catalog, key=key),
                     model.threshold, model.phrase)
