"""Private helpers of sklearn_recon; nothing here is public API."""
