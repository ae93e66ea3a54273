import numpy as np
import minitf as tf
dataset = tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])
print(dataset)
for elem in dataset: print(elem.numpy())
it = iter(dataset); print(next(it).numpy())
print(dataset.reduce(0, lambda state, value: state + value).numpy())
dataset1 = tf.data.Dataset.from_tensor_slices(tf.random.uniform([4, 10]))
print(dataset1.element_spec)
dataset2 = tf.data.Dataset.from_tensor_slices((tf.random.uniform([4]), tf.random.uniform([4, 100], maxval=100, dtype=tf.int32)))
print(dataset2.element_spec)
dataset3 = tf.data.Dataset.zip((dataset1, dataset2))
print(dataset3.element_spec)
print(dataset3)
for a, (b,c) in dataset3: print(a.shape, b.shape, c.shape)
def count(stop):
  i = 0
  while i<stop:
    yield i
    i += 1
ds_counter = tf.data.Dataset.from_generator(count, args=[25], output_types=tf.int32, output_shapes = (),)
for count_batch in ds_counter.repeat().batch(10).take(10):
  print(count_batch.numpy())
def gen_series():
  i = 0
  while True:
    size = np.random.randint(0, 10)
    yield i, np.random.normal(size=(size,))
    i += 1
ds_series = tf.data.Dataset.from_generator(gen_series, output_types=(tf.int32, tf.float32), output_shapes=((), (None,)))
print(ds_series)
ds_series_batch = ds_series.shuffle(20).padded_batch(10)
ids, sequence_batch = next(iter(ds_series_batch))
print(ids.shape, sequence_batch.shape[0])
inc_dataset = tf.data.Dataset.range(100)
dec_dataset = tf.data.Dataset.range(0, -100, -1)
dataset = tf.data.Dataset.zip((inc_dataset, dec_dataset))
batched_dataset = dataset.batch(4)
for batch in batched_dataset.take(4):
  print([arr.numpy() for arr in batch])
print(batched_dataset)
batched_dataset = dataset.batch(7, drop_remainder=True)
print(batched_dataset)
dataset = tf.data.Dataset.range(100)
dataset = dataset.map(lambda x: tf.fill([tf.cast(x, tf.int32)], x))
dataset = dataset.padded_batch(4, padded_shapes=(None,))
for batch in dataset.take(2):
  print(batch.numpy())
  print()
titanic_lines = tf.data.Dataset.range(10).repeat(3).batch(4)
for b in titanic_lines: print(b.numpy())
dataset = tf.data.Dataset.range(10)
print(list(dataset.enumerate().skip(2).take(3).as_numpy_iterator()))
print(list(tf.data.Dataset.range(10).filter(lambda x: x % 3 == 0).as_numpy_iterator()))
print(tf.data.Dataset.range(10).cardinality().numpy(), tf.data.Dataset.range(10).repeat().cardinality().numpy(), tf.data.Dataset.range(10).filter(lambda x: x>2).cardinality().numpy())
print(list(tf.data.Dataset.range(6).window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3)).as_numpy_iterator()) if hasattr(tf.data.Dataset, 'window') else 'no window')
print(list(tf.data.Dataset.from_tensor_slices([[1,2],[3,4]]).flat_map(tf.data.Dataset.from_tensor_slices).as_numpy_iterator()) if hasattr(tf.data.Dataset, 'flat_map') else 'no flat_map')
print(list(tf.data.Dataset.range(1,4).interleave(lambda x: tf.data.Dataset.from_tensors(x).repeat(3), cycle_length=2, block_length=2).as_numpy_iterator()) if hasattr(tf.data.Dataset, 'interleave') else 'no interleave')

