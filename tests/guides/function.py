import minitf as tf
@tf.function
def add(a, b):
  return a + b
print(add(tf.ones([2, 2]), tf.ones([2, 2])))
v = tf.Variable(1.0)
with tf.GradientTape() as tape:
  result = add(v, 1.0)
print(tape.gradient(result, v))
@tf.function
def dense_layer(x, w, b):
  return add(tf.matmul(x, w), b)
print(dense_layer(tf.ones([3, 2]), tf.ones([2, 2]), tf.ones([2])))
@tf.function
def double(a):
  print("Tracing with", a)
  return a + a
print(double(tf.constant(1)))
print()
print(double(tf.constant(1.1)))
print()
print(double(tf.constant("a")))
print()
print(double(tf.constant("b")))
print(double.pretty_printed_concrete_signatures())
print("Obtaining concrete trace")
double_strings = double.get_concrete_function(tf.constant("a"))
print("Executing traced function")
print(double_strings(tf.constant("a")))
print(double_strings(a=tf.constant("b")))
print(double.get_concrete_function(tf.TensorSpec(shape=[], dtype=tf.string)))
print(double_strings)
print(double_strings.structured_input_signature)
print(double_strings.structured_outputs)
with_errors = None
try:
  double_strings(tf.constant(1))
except tf.errors.InvalidArgumentError as e:
  print("Caught expected exception \n  {}:".format(type(e).__name__))
@tf.function
def pow(a, b):
  return a ** b
square = pow.get_concrete_function(a=tf.TensorSpec([None], tf.float32), b=2)
print(square)
print(square(tf.constant([10.0])) == 100)
try:
  square(tf.constant([10.0]), b=3)
except TypeError as e:
  print(f"Caught expected exception \n  {type(e).__name__}")
@tf.function(input_signature=(tf.TensorSpec(shape=[None], dtype=tf.int32),))
def next_collatz(x):
  print("Tracing with", x)
  return tf.where(x % 2 == 0, x // 2, 3 * x + 1)
print(next_collatz(tf.constant([1, 2])))
try:
  next_collatz(tf.constant([[1, 2], [3, 4]]))
except (ValueError, TypeError) as e:
  print(f"Caught expected exception \n  {type(e).__name__}")
try:
  next_collatz(tf.constant([1.0, 2.0]))
except (ValueError, TypeError) as e:
  print(f"Caught expected exception \n  {type(e).__name__}")
@tf.function(reduce_retracing=True)
def g(x):
  print('Tracing with', x)
  return x
print(g(tf.constant([1, 2, 3])))
print(g(tf.constant([1, 2, 3, 4, 5])))
def train_one_step():
  pass
@tf.function
def train(num_steps):
  print("Tracing with num_steps = ", num_steps)
  tf.print("Executing with num_steps = ", num_steps)
  for _ in tf.range(num_steps):
    train_one_step()
print("Retracing occurs for different Python arguments.")
train(num_steps=10)
train(num_steps=20)
print()
print("Traces are reused for Tensor arguments.")
train(num_steps=tf.constant(10))
train(num_steps=tf.constant(20))
@tf.function
def f(x):
  print("Traced with", x)
  tf.print("Executed with", x)
f(1)
f(1)
f(2)
external_list = []
@tf.function
def side_effect(x):
  print('Python side effect')
  external_list.append(x)
side_effect(1)
side_effect(1)
side_effect(1)
assert len(external_list) == 1
@tf.function
def buggy_consume_next(iterator):
  tf.print("Value:", next(iterator))
iterator = iter([1, 2, 3])
buggy_consume_next(iterator)
buggy_consume_next(iterator)
buggy_consume_next(iterator)
x = None
@tf.function
def leaky_function(a):
  global x
  x = a + 1
  return x
correct_a = leaky_function(tf.constant(1))
print(correct_a.numpy())
try:
  x.numpy()
except AttributeError as expected:
  print(expected)
@tf.function
def f(x):
  for i in tf.range(x):
    tf.print(i)
f(tf.constant(3))
