# %% [markdown]
# # Input pipelines with `tf.data`
#
# A training loop wants its data in shuffled mini-batches, transformed on the way, and
# ready before the model asks. `tf.data.Dataset` describes such a pipeline as a chain of
# small steps — a source, then `map`, `filter`, `shuffle`, `batch`, `prefetch`… — and
# a `for` loop pulls elements through it.
#
# Run it with `python tutorials/09_data.py`.

# %%
import time

import numpy as np
import matplotlib
matplotlib.use("Agg")
from matplotlib import pyplot as plt

import minitf as tf

# %% [markdown]
# ## A first dataset
#
# `from_tensor_slices` cuts a tensor along its first axis: one element per row.
# Iterating gives tensors:

# %%
dataset = tf.data.Dataset.from_tensor_slices([8, 3, 0, 8, 2, 1])
print(dataset)
for element in dataset:
    print(element.numpy(), end=" ")
print()

# %% [markdown]
# A dataset is a *description*, not a container: each `for` loop is a fresh pass that
# computes the elements again. `reduce` folds all elements into one value:

# %%
print(dataset.reduce(0, lambda total, value: total + value).numpy())

# %% [markdown]
# ## Structure: `element_spec`
#
# Elements can be tuples, dicts or nested mixes of tensors. Slicing a tuple of
# arrays gives (features, label) pairs — the usual shape of training data.
# `element_spec` describes one element without computing any:

# %%
features = np.arange(12, dtype=np.float32).reshape(6, 2)
labels = np.array([0, 1, 0, 1, 1, 0])
pairs = tf.data.Dataset.from_tensor_slices((features, labels))
print(pairs.element_spec)
for x, y in pairs.take(2):
    print(x.numpy(), y.numpy())

# %% [markdown]
# ## Transformations: `map` and `filter`
#
# `map` applies a function to every element, `filter` keeps the elements for which a
# predicate is true. Both functions are *traced* once into a graph (tutorial 05), so
# a Python `print` inside runs once and sees a symbolic tensor:

# %%
def square(x):
    print("tracing square with", x)
    return x * x

evens_squared = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0).map(square)
print(np.array(list(evens_squared.as_numpy_iterator())))
print(np.array(list(evens_squared.as_numpy_iterator())))

# %% [markdown]
# ## Batching
#
# `batch(n)` stacks `n` consecutive elements into one. The last batch may be short,
# so the batch dimension of the spec is `None` — unless you drop the remainder:

# %%
batched = tf.data.Dataset.range(10).batch(4)
for batch in batched:
    print(batch.numpy())
print(batched.element_spec)
print(tf.data.Dataset.range(10).batch(4, drop_remainder=True).element_spec)

# %% [markdown]
# Elements of different lengths cannot be stacked; `padded_batch` pads each batch to
# its longest element:

# %%
ragged = tf.data.Dataset.range(1, 6).map(lambda n: tf.fill([n], n))
for batch in ragged.padded_batch(2):
    print(batch.numpy())

# %% [markdown]
# ## Shuffling and epochs
#
# `shuffle(buffer_size)` keeps a buffer of that many elements and emits a random one
# each time, refilling from the input. A buffer as large as the data set gives a
# uniform shuffle; a small one only mixes neighbours. `repeat(n)` runs through the
# data `n` times.
#
# The order of the two matters. `shuffle().repeat()` finishes one epoch before the
# next begins; `repeat().shuffle()` lets the end of one epoch mix with the start of the
# next. To see it, shuffle 100 indices with a small buffer of 20, over two epochs, and
# plot the mean index of each batch of 10:

# %%
lines = tf.data.Dataset.range(100)

def batch_means(ds):
    return [batch.mean() for batch in ds.batch(10).as_numpy_iterator()]

shuffle_repeat = batch_means(lines.shuffle(20, seed=1).repeat(2))
repeat_shuffle = batch_means(lines.repeat(2).shuffle(20, seed=1))

plt.figure(figsize=(7, 4))
plt.plot(shuffle_repeat, "o-", label="shuffle().repeat()")
plt.plot(repeat_shuffle, "o-", label="repeat().shuffle()")
plt.axvline(9.5, color="gray", linestyle=":", label="epoch boundary")
plt.ylabel("mean index in the batch")
plt.xlabel("batch")
plt.legend()

# %% [markdown]
# A buffer of 20 only mixes neighbours, so within an epoch the mean index climbs: a
# sawtooth. With `shuffle().repeat()` it drops sharply right at the boundary — the
# second epoch starts afresh. With `repeat().shuffle()` the batches around the boundary
# hold elements of both epochs. Use a buffer as large as your data when you can, and
# shuffle before you repeat.
#
# ## Counting elements: `cardinality`
#
# A dataset knows how many elements it will produce when it can: `-1` means infinite
# and `-2` unknown (a filter's result depends on the data):

# %%
print(tf.data.Dataset.range(10).batch(3).cardinality().numpy())
print(tf.data.Dataset.range(3).repeat().cardinality().numpy())
print(tf.data.Dataset.range(10).filter(lambda x: x > 2).cardinality().numpy())

# %% [markdown]
# ## From a Python generator
#
# When data comes from Python code (files, a database, a simulator), wrap a generator.
# Tell `from_generator` the dtype and shape of what it yields:

# %%
def count(stop):
    i = 0
    while i < stop:
        yield i
        i += 1

counter = tf.data.Dataset.from_generator(count, args=[25], output_types=tf.int32,
                                         output_shapes=())
for batch in counter.repeat().batch(10).take(3):
    print(batch.numpy())

# %% [markdown]
# ## One element, many: `flat_map` and `interleave`
#
# Sometimes one element stands for many — a file name for the lines of the file. A
# function that returns a *dataset* per element, passed to `flat_map`, chains those
# datasets one after the other. `interleave` reads `cycle_length` of them at a time,
# `block_length` elements from each in turn, which mixes sources (several files read
# together) without loading any of them whole. Here each "file" is a range of numbers:

# %%
files = tf.data.Dataset.from_tensor_slices([0, 100, 200])   # three "file names"

def read_file(start):
    return tf.data.Dataset.range(3).map(lambda i: tf.cast(start, tf.int64) + i)

print("flat_map:  ", [int(v) for v in files.flat_map(read_file)])
print("interleave:", [int(v) for v in files.interleave(read_file, cycle_length=3)])
print("blocks of 2:", [int(v) for v in files.interleave(read_file, cycle_length=2,
                                                         block_length=2)])

# %% [markdown]
# `window` turns runs of consecutive elements into small datasets of their own — with
# `flat_map` and `batch`, the sliding windows a time-series model trains on:

# %%
series = tf.data.Dataset.range(8)
sliding = series.window(3, shift=1, drop_remainder=True).flat_map(lambda w: w.batch(3))
print([run.numpy().tolist() for run in sliding])

# %% [markdown]
# ## Overlapping work: `prefetch`
#
# Without help, a loop alternates: read a batch, train on it, read the next… While the
# model trains, nothing is read. `prefetch(n)` reads up to `n` elements ahead on a
# background thread, so reading and training overlap.
#
# To see it, simulate both halves with sleeps — 10 ms to "read" each element and 10 ms
# to "train" on it:

# %%
def slow_source():
    for i in range(10):
        time.sleep(0.01)   # pretend to read from disk
        yield i

def run_epoch(ds):
    start = time.perf_counter()
    for _ in ds:
        time.sleep(0.01)   # pretend to train
    return time.perf_counter() - start

slow = tf.data.Dataset.from_generator(slow_source, output_types=tf.int64, output_shapes=())
plain_s = run_epoch(slow)
prefetched_s = run_epoch(slow.prefetch(tf.data.AUTOTUNE))
print(f"without prefetch: {plain_s * 1000:.0f} ms, with prefetch: {prefetched_s * 1000:.0f} ms")

plt.figure(figsize=(5, 3))
plt.barh(["prefetch", "no prefetch"], [prefetched_s * 1000, plain_s * 1000])
plt.xlabel("ms for 10 steps")

# %% [markdown]
# The prefetched epoch takes about half as long: reading the next element happens
# while the current one trains. (`AUTOTUNE` lets minitf pick the buffer size.) For data
# that is expensive to produce but fits in memory, `cache()` goes further: the first
# pass stores the elements, later passes replay them.
#
# ## What you learned, and where to go next
#
# - A `Dataset` describes a pipeline; each `for` loop runs it afresh.
# - `element_spec` describes the elements; tuples give (features, label) pairs.
# - `map`/`filter` trace their functions into graphs; `batch` and `padded_batch` stack.
# - `flat_map` and `interleave` turn each element into a dataset of its own and merge them;
#   `window` makes datasets of consecutive elements.
# - `shuffle` before `repeat` keeps epochs separate; `prefetch` overlaps reading with
#   training.
#
# Try: time `slow.cache()` over two epochs and explain the second epoch's time.
#
# Next: saving what you trained: [Checkpoints and SavedModel](10_checkpoints_and_savedmodel.py).
