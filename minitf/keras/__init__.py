"""``tf.keras``: layers, models, training."""
