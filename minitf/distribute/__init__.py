"""``tf.distribute``: data parallelism on torch.distributed."""
