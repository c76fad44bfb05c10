"""BERT text classification track: fine-tune all-MiniLM-L6-v2 as a sentiment classifier."""
