import minitf as tf
range_ds = tf.data.Dataset.range(100000)
window_ds = range_ds.window(5)
print(window_ds.element_spec, window_ds.cardinality().numpy())
print(window_ds)
for window in window_ds.take(5):
  print(list(window.as_numpy_iterator()))
for x in window_ds.flat_map(lambda x: x).take(30):
   print(x.numpy(), end=' ')
print()
def sub_to_batch(sub):
  return sub.batch(5, drop_remainder=True)
for example in window_ds.flat_map(sub_to_batch).take(5):
  print(example.numpy())
def make_window_dataset(ds, window_size=5, shift=1, stride=1):
  windows = ds.window(window_size, shift=shift, stride=stride)
  def sub_to_batch(sub):
    return sub.batch(window_size, drop_remainder=True)
  windows = windows.flat_map(sub_to_batch)
  return windows
ds = make_window_dataset(range_ds, window_size=10, shift = 5, stride=3)
for example in ds.take(10):
  print(example.numpy())
w = tf.data.Dataset.range(7).window(3, shift=2, drop_remainder=False)
print([list(x.as_numpy_iterator()) for x in w], w.cardinality().numpy())
w = tf.data.Dataset.range(7).window(3, shift=2, drop_remainder=True)
print([list(x.as_numpy_iterator()) for x in w], w.cardinality().numpy())
z = tf.data.Dataset.from_tensor_slices(([1,2,3],[4.,5.,6.])).window(2)
print(z.element_spec)
print([ (list(a.as_numpy_iterator()), list(b.as_numpy_iterator())) for a, b in z])
d = tf.data.Dataset.from_tensor_slices({"a": [1,2,3]}).window(2)
print(d.element_spec)
for bad in [dict(size=0), dict(size=2, shift=0), dict(size=2, stride=0)]:
    try: tf.data.Dataset.range(3).window(**bad); print(bad, "ok")
    except Exception as e: print(bad, type(e).__name__)
print(tf.data.Dataset.range(10).window(3).map(lambda w: w.reduce(tf.constant(0, tf.int64), lambda s, x: s + x)).element_spec)
print(list(tf.data.Dataset.range(10).window(3).map(lambda w: w.reduce(tf.constant(0, tf.int64), lambda s, x: s + x)).as_numpy_iterator()))
