"""Text rules of a conversation: sentences, intents, spoken numbers, history, the end of a question."""
