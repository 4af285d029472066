"""streamlining."""
