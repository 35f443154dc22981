"""Methods that produce emission rows from data other than activity × factor (carbon sinks)."""
