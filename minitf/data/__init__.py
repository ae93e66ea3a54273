"""``tf.data``: input pipelines (see issue "tf.data.Dataset input pipelines")."""
