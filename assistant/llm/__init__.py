"""Language models behind one interface: llama.cpp in process, an OpenAI-compatible server, or the
server with the local model behind it."""
