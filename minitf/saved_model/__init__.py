"""``tf.saved_model``: save and load traced functions and variables, data only."""
