"""Generated client (placeholder until scripts/generate_client.py runs)."""
