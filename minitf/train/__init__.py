"""``tf.train``: Checkpoint and CheckpointManager."""
