"""An offline voice assistant for the Raspberry Pi."""

from assistant.core.offline import force_offline

force_offline()  # before onnxruntime or huggingface_hub can be imported

__version__ = "0.1.0"
