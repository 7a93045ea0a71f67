"""Language models behind one interface: llama.cpp in process."""
