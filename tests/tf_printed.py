"""What TensorFlow 2.21 printed, recorded for the tests (no test needs TensorFlow).

Each entry was produced by running the expression with real TensorFlow 2.21 (CPU,
NumPy 2) and recording ``repr``/``str`` of the result, or its dtype, shape and value, or
the class of the error it raised. minitf must produce the same.

Example:
    >>> from tests.tf_printed import REPR_CASES
    >>> REPR_CASES[0][:2]
    ('tf.constant(3.0)', '<tf.Tensor: shape=(), dtype=float32, numpy=3.0>')
"""

# (expression, repr(result), str(result))
REPR_CASES: list[tuple[str, str, str]] = [
    ('tf.constant(3.0)',
     '<tf.Tensor: shape=(), dtype=float32, numpy=3.0>',
     'tf.Tensor(3.0, shape=(), dtype=float32)'),
    ('tf.constant(0.1)',
     '<tf.Tensor: shape=(), dtype=float32, numpy=0.10000000149011612>',
     'tf.Tensor(0.1, shape=(), dtype=float32)'),
    ('tf.constant(1e-8)',
     '<tf.Tensor: shape=(), dtype=float32, numpy=9.99999993922529e-09>',
     'tf.Tensor(1e-08, shape=(), dtype=float32)'),
    ('tf.constant(1e20)',
     '<tf.Tensor: shape=(), dtype=float32, numpy=1.0000000200408773e+20>',
     'tf.Tensor(1e+20, shape=(), dtype=float32)'),
    ("tf.constant(float('nan'))",
     '<tf.Tensor: shape=(), dtype=float32, numpy=nan>',
     'tf.Tensor(nan, shape=(), dtype=float32)'),
    ("tf.constant(float('inf'))",
     '<tf.Tensor: shape=(), dtype=float32, numpy=inf>',
     'tf.Tensor(inf, shape=(), dtype=float32)'),
    ('tf.constant(-0.0)',
     '<tf.Tensor: shape=(), dtype=float32, numpy=-0.0>',
     'tf.Tensor(-0.0, shape=(), dtype=float32)'),
    ('tf.constant(1)',
     '<tf.Tensor: shape=(), dtype=int32, numpy=1>',
     'tf.Tensor(1, shape=(), dtype=int32)'),
    ('tf.constant(True)',
     '<tf.Tensor: shape=(), dtype=bool, numpy=True>',
     'tf.Tensor(True, shape=(), dtype=bool)'),
    ('tf.constant(2.5, tf.float64)',
     '<tf.Tensor: shape=(), dtype=float64, numpy=2.5>',
     'tf.Tensor(2.5, shape=(), dtype=float64)'),
    ('tf.constant(1/3, tf.float64)',
     '<tf.Tensor: shape=(), dtype=float64, numpy=0.3333333333333333>',
     'tf.Tensor(0.3333333333333333, shape=(), dtype=float64)'),
    ('tf.constant(1/3)',
     '<tf.Tensor: shape=(), dtype=float32, numpy=0.3333333432674408>',
     'tf.Tensor(0.33333334, shape=(), dtype=float32)'),
    ('tf.constant(0.5, tf.float16)',
     '<tf.Tensor: shape=(), dtype=float16, numpy=0.5>',
     'tf.Tensor(0.5, shape=(), dtype=float16)'),
    ('tf.constant(7, tf.int64)',
     '<tf.Tensor: shape=(), dtype=int64, numpy=7>',
     'tf.Tensor(7, shape=(), dtype=int64)'),
    ('tf.constant(7, tf.uint8)',
     '<tf.Tensor: shape=(), dtype=uint8, numpy=7>',
     'tf.Tensor(7, shape=(), dtype=uint8)'),
    ('tf.constant(-3, tf.int8)',
     '<tf.Tensor: shape=(), dtype=int8, numpy=-3>',
     'tf.Tensor(-3, shape=(), dtype=int8)'),
    ('tf.constant([1.0, 2.0, 3.0])',
     '<tf.Tensor: shape=(3,), dtype=float32, numpy=array([1., 2., 3.], dtype=float32)>',
     'tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)'),
    ('tf.constant([1, 2, 3])',
     '<tf.Tensor: shape=(3,), dtype=int32, numpy=array([1, 2, 3], dtype=int32)>',
     'tf.Tensor([1 2 3], shape=(3,), dtype=int32)'),
    ('tf.constant([True, False])',
     '<tf.Tensor: shape=(2,), dtype=bool, numpy=array([ True, False])>',
     'tf.Tensor([ True False], shape=(2,), dtype=bool)'),
    ('tf.constant([1.5, -2.25])',
     '<tf.Tensor: shape=(2,), dtype=float32, numpy=array([ 1.5 , -2.25], dtype=float32)>',
     'tf.Tensor([ 1.5  -2.25], shape=(2,), dtype=float32)'),
    ('tf.constant([1, 2], tf.int64)',
     '<tf.Tensor: shape=(2,), dtype=int64, numpy=array([1, 2])>',
     'tf.Tensor([1 2], shape=(2,), dtype=int64)'),
    ('tf.constant([1, 2], tf.uint8)',
     '<tf.Tensor: shape=(2,), dtype=uint8, numpy=array([1, 2], dtype=uint8)>',
     'tf.Tensor([1 2], shape=(2,), dtype=uint8)'),
    ('tf.constant([0.1, 0.2], tf.float64)',
     '<tf.Tensor: shape=(2,), dtype=float64, numpy=array([0.1, 0.2])>',
     'tf.Tensor([0.1 0.2], shape=(2,), dtype=float64)'),
    ('tf.constant([[1, 2], [3, 4]])',
     ('<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\n'
      'array([[1, 2],\n'
      '       [3, 4]], dtype=int32)>'),
     ('tf.Tensor(\n'
      '[[1 2]\n'
      ' [3 4]], shape=(2, 2), dtype=int32)')),
    ('tf.constant([[1.0, 2.0], [3.0, 4.0]])',
     ('<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\n'
      'array([[1., 2.],\n'
      '       [3., 4.]], dtype=float32)>'),
     ('tf.Tensor(\n'
      '[[1. 2.]\n'
      ' [3. 4.]], shape=(2, 2), dtype=float32)')),
    ('tf.zeros([2, 3, 2])',
     ('<tf.Tensor: shape=(2, 3, 2), dtype=float32, numpy=\n'
      'array([[[0., 0.],\n'
      '        [0., 0.],\n'
      '        [0., 0.]],\n'
      '\n'
      '       [[0., 0.],\n'
      '        [0., 0.],\n'
      '        [0., 0.]]], dtype=float32)>'),
     ('tf.Tensor(\n'
      '[[[0. 0.]\n'
      '  [0. 0.]\n'
      '  [0. 0.]]\n'
      '\n'
      ' [[0. 0.]\n'
      '  [0. 0.]\n'
      '  [0. 0.]]], shape=(2, 3, 2), dtype=float32)')),
    ('tf.zeros([0])',
     '<tf.Tensor: shape=(0,), dtype=float32, numpy=array([], dtype=float32)>',
     'tf.Tensor([], shape=(0,), dtype=float32)'),
    ('tf.zeros([2, 0])',
     '<tf.Tensor: shape=(2, 0), dtype=float32, numpy=array([], shape=(2, 0), dtype=float32)>',
     'tf.Tensor([], shape=(2, 0), dtype=float32)'),
    ('tf.zeros([0, 3], tf.int32)',
     '<tf.Tensor: shape=(0, 3), dtype=int32, numpy=array([], shape=(0, 3), dtype=int32)>',
     'tf.Tensor([], shape=(0, 3), dtype=int32)'),
    ('tf.ones([1, 1, 1])',
     '<tf.Tensor: shape=(1, 1, 1), dtype=float32, numpy=array([[[1.]]], dtype=float32)>',
     'tf.Tensor([[[1.]]], shape=(1, 1, 1), dtype=float32)'),
    ('tf.range(20, dtype=tf.float32) / 3',
     ('<tf.Tensor: shape=(20,), dtype=float32, numpy=\n'
      'array([0.        , 0.33333334, 0.6666667 , 1.        , 1.3333334 ,\n'
      '       1.6666666 , 2.        , 2.3333333 , 2.6666667 , 3.        ,\n'
      '       3.3333333 , 3.6666667 , 4.        , 4.3333335 , 4.6666665 ,\n'
      '       5.        , 5.3333335 , 5.6666665 , 6.        , 6.3333335 ],\n'
      '      dtype=float32)>'),
     ('tf.Tensor(\n'
      '[0.         0.33333334 0.6666667  1.         1.3333334  1.6666666\n'
      ' 2.         2.3333333  2.6666667  3.         3.3333333  3.6666667\n'
      ' 4.         4.3333335  4.6666665  5.         5.3333335  5.6666665\n'
      ' 6.         6.3333335 ], shape=(20,), dtype=float32)')),
    ('tf.range(2000)',
     ('<tf.Tensor: shape=(2000,), dtype=int32, numpy=\n'
      'array([   0,    1,    2, ..., 1997, 1998, 1999],\n'
      '      shape=(2000,), dtype=int32)>'),
     'tf.Tensor([   0    1    2 ... 1997 1998 1999], shape=(2000,), dtype=int32)'),
    ('tf.reshape(tf.range(3000, dtype=tf.float32), [3, 1000])',
     ('<tf.Tensor: shape=(3, 1000), dtype=float32, numpy=\n'
      'array([[0.000e+00, 1.000e+00, 2.000e+00, ..., 9.970e+02, 9.980e+02,\n'
      '        9.990e+02],\n'
      '       [1.000e+03, 1.001e+03, 1.002e+03, ..., 1.997e+03, 1.998e+03,\n'
      '        1.999e+03],\n'
      '       [2.000e+03, 2.001e+03, 2.002e+03, ..., 2.997e+03, 2.998e+03,\n'
      '        2.999e+03]], shape=(3, 1000), dtype=float32)>'),
     ('tf.Tensor(\n'
      '[[0.000e+00 1.000e+00 2.000e+00 ... 9.970e+02 9.980e+02 9.990e+02]\n'
      ' [1.000e+03 1.001e+03 1.002e+03 ... 1.997e+03 1.998e+03 1.999e+03]\n'
      ' [2.000e+03 2.001e+03 2.002e+03 ... 2.997e+03 2.998e+03 2.999e+03]]'
      ', shape=(3, 1000), dtype=float32)')),
    ('tf.constant([1e-5, 1.0])',
     '<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.e-05, 1.e+00], dtype=float32)>',
     'tf.Tensor([1.e-05 1.e+00], shape=(2,), dtype=float32)'),
    ('tf.constant([1e10, 1.0])',
     '<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1.e+10, 1.e+00], dtype=float32)>',
     'tf.Tensor([1.e+10 1.e+00], shape=(2,), dtype=float32)'),
    ("tf.constant([float('nan'), 1.0, float('-inf')])",
     '<tf.Tensor: shape=(3,), dtype=float32, numpy=array([ nan,   1., -inf], dtype=float32)>',
     'tf.Tensor([ nan   1. -inf], shape=(3,), dtype=float32)'),
    ('tf.constant([[True], [False]])',
     ('<tf.Tensor: shape=(2, 1), dtype=bool, numpy=\n'
      'array([[ True],\n'
      '       [False]])>'),
     ('tf.Tensor(\n'
      '[[ True]\n'
      ' [False]], shape=(2, 1), dtype=bool)')),
    ('tf.constant([0.1, 0.25], tf.float16)',
     '<tf.Tensor: shape=(2,), dtype=float16, numpy=array([0.1 , 0.25], dtype=float16)>',
     'tf.Tensor([0.1  0.25], shape=(2,), dtype=float16)'),
    ("tf.constant(['a', 'bc'])",
     "<tf.Tensor: shape=(2,), dtype=string, numpy=array([b'a', b'bc'], dtype=object)>",
     "tf.Tensor([b'a' b'bc'], shape=(2,), dtype=string)"),
    ("tf.constant('hello')",
     "<tf.Tensor: shape=(), dtype=string, numpy=b'hello'>",
     "tf.Tensor(b'hello', shape=(), dtype=string)"),
    ('tf.linspace(-2, 2, 5)',
     '<tf.Tensor: shape=(5,), dtype=float64, numpy=array([-2., -1.,  0.,  1.,  2.])>',
     'tf.Tensor([-2. -1.  0.  1.  2.], shape=(5,), dtype=float64)'),
    ('tf.range(5)',
     '<tf.Tensor: shape=(5,), dtype=int32, numpy=array([0, 1, 2, 3, 4], dtype=int32)>',
     'tf.Tensor([0 1 2 3 4], shape=(5,), dtype=int32)'),
    ('tf.eye(3)',
     ('<tf.Tensor: shape=(3, 3), dtype=float32, numpy=\n'
      'array([[1., 0., 0.],\n'
      '       [0., 1., 0.],\n'
      '       [0., 0., 1.]], dtype=float32)>'),
     ('tf.Tensor(\n'
      '[[1. 0. 0.]\n'
      ' [0. 1. 0.]\n'
      ' [0. 0. 1.]], shape=(3, 3), dtype=float32)')),
    ('tf.constant([123456789.0, 1.0])',
     ('<tf.Tensor: shape=(2,), dtype=float32, numpy='
      'array([1.2345679e+08, 1.0000000e+00], dtype=float32)>'),
     'tf.Tensor([1.2345679e+08 1.0000000e+00], shape=(2,), dtype=float32)'),
    ('tf.constant([[1.123456789, 2.0]])',
     ('<tf.Tensor: shape=(1, 2), dtype=float32, numpy='
      'array([[1.1234568, 2.       ]], dtype=float32)>'),
     'tf.Tensor([[1.1234568 2.       ]], shape=(1, 2), dtype=float32)'),
    ('tf.constant([-1, 200000])',
     '<tf.Tensor: shape=(2,), dtype=int32, numpy=array([    -1, 200000], dtype=int32)>',
     'tf.Tensor([    -1 200000], shape=(2,), dtype=int32)'),
    ('tf.constant(2**40)',
     '<tf.Tensor: shape=(), dtype=int64, numpy=1099511627776>',
     'tf.Tensor(1099511627776, shape=(), dtype=int64)'),
    ('tf.constant([[[1]]])',
     '<tf.Tensor: shape=(1, 1, 1), dtype=int32, numpy=array([[[1]]], dtype=int32)>',
     'tf.Tensor([[[1]]], shape=(1, 1, 1), dtype=int32)'),
    ('tf.fill([2, 2], 0.5)',
     ('<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\n'
      'array([[0.5, 0.5],\n'
      '       [0.5, 0.5]], dtype=float32)>'),
     ('tf.Tensor(\n'
      '[[0.5 0.5]\n'
      ' [0.5 0.5]], shape=(2, 2), dtype=float32)')),
]

# (expression, ("ok", dtype name, shape, repr(value.tolist())) or ("error", class name)).
# Complex numbers are left out: minitf has no complex dtypes.
CONVERSION_CASES: list[tuple[str, tuple]] = [
    ('tf.convert_to_tensor(1.0)', ('ok', 'float32', [], '1.0')),
    ('tf.convert_to_tensor(1)', ('ok', 'int32', [], '1')),
    ('tf.convert_to_tensor(True)', ('ok', 'bool', [], 'True')),
    ('tf.convert_to_tensor(2**31)', ('ok', 'int64', [], '2147483648')),
    ('tf.convert_to_tensor(-2**31)', ('ok', 'int32', [], '-2147483648')),
    ('tf.convert_to_tensor(2**31 - 1)', ('ok', 'int32', [], '2147483647')),
    ('tf.convert_to_tensor(-2**31 - 1)', ('ok', 'int64', [], '-2147483649')),
    ('tf.convert_to_tensor(2**63)', ('error', 'ValueError')),
    ('tf.convert_to_tensor([1, 2.0])', ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([[1, 2], [3, 4]])', ('ok', 'int32', [2, 2], '[[1, 2], [3, 4]]')),
    ('tf.convert_to_tensor([])', ('ok', 'float32', [0], '[]')),
    ('tf.convert_to_tensor([[]])', ('ok', 'float32', [1, 0], '[[]]')),
    ('tf.convert_to_tensor([[], []])', ('ok', 'float32', [2, 0], '[[], []]')),
    ('tf.convert_to_tensor((1, 2))', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.convert_to_tensor([(1, 2), [3, 4]])', ('ok', 'int32', [2, 2], '[[1, 2], [3, 4]]')),
    ('tf.convert_to_tensor([1, 2**40])', ('ok', 'int64', [2], '[1, 1099511627776]')),
    ('tf.convert_to_tensor([True, False])', ('ok', 'bool', [2], '[True, False]')),
    ('tf.convert_to_tensor(np.float64(1.0))', ('ok', 'float64', [], '1.0')),
    ('tf.convert_to_tensor(np.float32(1.0))', ('ok', 'float32', [], '1.0')),
    ('tf.convert_to_tensor(np.int64(3))', ('ok', 'int64', [], '3')),
    ('tf.convert_to_tensor(np.int16(3))', ('ok', 'int16', [], '3')),
    ('tf.convert_to_tensor(np.array([1, 2]))', ('ok', 'int64', [2], '[1, 2]')),
    ('tf.convert_to_tensor(np.array([1.0]))', ('ok', 'float64', [1], '[1.0]')),
    ('tf.convert_to_tensor(np.array([1, 2], np.uint8))', ('ok', 'uint8', [2], '[1, 2]')),
    ('tf.convert_to_tensor(np.array(True))', ('ok', 'bool', [], 'True')),
    ('tf.convert_to_tensor(np.zeros([2, 0]))', ('ok', 'float64', [2, 0], '[[], []]')),
    ('tf.convert_to_tensor([np.float64(1.0), 2.0])', ('ok', 'float64', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([np.float32(1.0), 2.0])', ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([np.int64(1), 2])', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.convert_to_tensor([np.array([1.0, 2.0]), np.array([3.0, 4.0])])',
     ('ok', 'float64', [2, 2], '[[1.0, 2.0], [3.0, 4.0]]')),
    ('tf.convert_to_tensor([tf.constant(1.0), 2.0])', ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([tf.constant(1), tf.constant(2)])', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.convert_to_tensor([1, True])', ('ok', 'int32', [2], '[1, 1]')),
    ('tf.convert_to_tensor([1.0, True])', ('ok', 'float32', [2], '[1.0, 1.0]')),
    ('tf.convert_to_tensor([[1, 2], [3]])', ('error', 'ValueError')),
    ('tf.convert_to_tensor([[1, 2], 3])', ('error', 'ValueError')),
    ("tf.convert_to_tensor([1, 'a'])", ('error', 'ValueError')),
    ('tf.convert_to_tensor(None)', ('error', 'ValueError')),
    ('tf.convert_to_tensor([1, None])', ('error', 'ValueError')),
    ("tf.convert_to_tensor({'a': 1})", ('error', 'ValueError')),
    ('tf.convert_to_tensor([1, 2], dtype=tf.float32)', ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([1, 2], dtype=tf.float64)', ('ok', 'float64', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([1, 2], dtype=tf.int64)', ('ok', 'int64', [2], '[1, 2]')),
    ('tf.convert_to_tensor([1, 2], dtype=tf.uint8)', ('ok', 'uint8', [2], '[1, 2]')),
    ('tf.convert_to_tensor([1, 2], dtype=tf.float16)', ('ok', 'float16', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor(1, dtype=tf.bool)', ('error', 'TypeError')),
    ('tf.convert_to_tensor(True, dtype=tf.int32)', ('ok', 'int32', [], '1')),
    ('tf.convert_to_tensor(1.0, dtype=tf.int32)', ('error', 'TypeError')),
    ('tf.convert_to_tensor([1.5], dtype=tf.int32)', ('error', 'TypeError')),
    ('tf.convert_to_tensor([1.0, 2.0], dtype=tf.int32)', ('error', 'TypeError')),
    ('tf.convert_to_tensor(300, dtype=tf.int8)', ('ok', 'int8', [], '44')),
    ('tf.convert_to_tensor(-1, dtype=tf.uint8)', ('ok', 'uint8', [], '255')),
    ('tf.convert_to_tensor(2**31, dtype=tf.int32)', ('ok', 'int32', [], '-2147483648')),
    ('tf.convert_to_tensor(1.0, dtype=tf.float64)', ('ok', 'float64', [], '1.0')),
    ('tf.convert_to_tensor(1e40, dtype=tf.float32)', ('ok', 'float32', [], 'inf')),
    ('tf.convert_to_tensor(np.array([1.0]), dtype=tf.float32)', ('ok', 'float32', [1], '[1.0]')),
    ('tf.convert_to_tensor(np.array([1, 2]), dtype=tf.int32)', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.convert_to_tensor(np.array([1.5]), dtype=tf.int32)', ('ok', 'int32', [1], '[1]')),
    ('tf.convert_to_tensor(np.array([1, 2], np.int32), dtype=tf.float32)',
     ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64)', ('error', 'ValueError')),
    ('tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float32)', ('ok', 'float32', [], '1.0')),
    ('tf.convert_to_tensor(tf.Variable(1.0))', ('ok', 'float32', [], '1.0')),
    ('tf.convert_to_tensor(tf.Variable(1.0), dtype=tf.float64)', ('error', 'ValueError')),
    ('tf.convert_to_tensor([1, 2], dtype_hint=tf.float32)', ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.convert_to_tensor([1.5], dtype_hint=tf.int32)', ('ok', 'float32', [1], '[1.5]')),
    ('tf.convert_to_tensor(tf.constant(1), dtype_hint=tf.float32)', ('ok', 'int32', [], '1')),
    ('tf.constant(1.5)', ('ok', 'float32', [], '1.5')),
    ('tf.constant([1, 2], dtype=tf.float32)', ('ok', 'float32', [2], '[1.0, 2.0]')),
    ('tf.constant(1.5, dtype=tf.int32)', ('error', 'TypeError')),
    ('tf.constant([1.5, 2.5], dtype=tf.int32)', ('error', 'TypeError')),
    ('tf.constant(np.array([1.5, 2.5]), dtype=tf.int32)', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.constant(np.array([1.5]), dtype=tf.float32)', ('ok', 'float32', [1], '[1.5]')),
    ('tf.constant(tf.constant(1.0), dtype=tf.float64)', ('error', 'TypeError')),
    ('tf.constant(0, shape=[2, 3])', ('ok', 'int32', [2, 3], '[[0, 0, 0], [0, 0, 0]]')),
    ('tf.constant([1, 2, 3, 4], shape=[2, 2])', ('ok', 'int32', [2, 2], '[[1, 2], [3, 4]]')),
    ('tf.constant([1, 2, 3], shape=[2, 2])', ('error', 'TypeError')),
    ('tf.constant(7.0, shape=[])', ('ok', 'float32', [], '7.0')),
    ('tf.constant(True, dtype=tf.float32)', ('ok', 'float32', [], '1.0')),
    ('tf.constant(1, dtype=tf.bool)', ('error', 'TypeError')),
    ('tf.constant(-1, dtype=tf.uint8)', ('ok', 'uint8', [], '255')),
    ('tf.constant(300, dtype=tf.int8)', ('ok', 'int8', [], '44')),
    ('tf.constant([[1, 2], [3]])', ('error', 'ValueError')),
    ('tf.constant([1, True])', ('ok', 'int32', [2], '[1, 1]')),
    ('tf.constant(tf.Variable([1, 2]))', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.zeros([2], tf.int32)', ('ok', 'int32', [2], '[0, 0]')),
    ('tf.zeros(3)', ('ok', 'float32', [3], '[0.0, 0.0, 0.0]')),
    ('tf.zeros((2, 1), dtype=tf.bool)', ('ok', 'bool', [2, 1], '[[False], [False]]')),
    ('tf.ones([2, 2], tf.int64)', ('ok', 'int64', [2, 2], '[[1, 1], [1, 1]]')),
    ('tf.fill([2], 1.5)', ('ok', 'float32', [2], '[1.5, 1.5]')),
    ('tf.fill([2, 1], True)', ('ok', 'bool', [2, 1], '[[True], [True]]')),
    ('tf.zeros_like([1.0, 2.0])', ('ok', 'float32', [2], '[0.0, 0.0]')),
    ('tf.ones_like(tf.constant([1, 2]), dtype=tf.float32)', ('ok', 'float32', [2], '[1.0, 1.0]')),
    ('tf.range(3)', ('ok', 'int32', [3], '[0, 1, 2]')),
    ('tf.range(1, 4)', ('ok', 'int32', [3], '[1, 2, 3]')),
    ('tf.range(0, 1, 0.25)', ('ok', 'float32', [4], '[0.0, 0.25, 0.5, 0.75]')),
    ('tf.range(3, dtype=tf.float32)', ('ok', 'float32', [3], '[0.0, 1.0, 2.0]')),
    ('tf.range(5, 1, -2)', ('ok', 'int32', [2], '[5, 3]')),
    ('tf.range(np.int64(3))', ('ok', 'int64', [3], '[0, 1, 2]')),
    ('tf.linspace(0.0, 1.0, 5)', ('ok', 'float32', [5], '[0.0, 0.25, 0.5, 0.75, 1.0]')),
    ('tf.linspace(-2, 2, 3)', ('ok', 'float64', [3], '[-2.0, 0.0, 2.0]')),
    ('tf.linspace(tf.constant(0.0, tf.float64), 1.0, 3)',
     ('ok', 'float64', [3], '[0.0, 0.5, 1.0]')),
    ('tf.eye(2, 3)', ('ok', 'float32', [2, 3], '[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]')),
    ('tf.eye(2, dtype=tf.int32)', ('ok', 'int32', [2, 2], '[[1, 0], [0, 1]]')),
    ('tf.identity([1, 2])', ('ok', 'int32', [2], '[1, 2]')),
    ('tf.cast([1.7, -1.7], tf.int32)', ('ok', 'int32', [2], '[1, -1]')),
    ('tf.cast(tf.constant([1, 2]), tf.float16)', ('ok', 'float16', [2], '[1.0, 2.0]')),
    ('tf.cast(tf.constant([0, 2]), tf.bool)', ('ok', 'bool', [2], '[False, True]')),
    ('tf.cast(1, tf.float32)', ('ok', 'float32', [], '1.0')),
    ('tf.cast(tf.constant([True, False]), tf.int32)', ('ok', 'int32', [2], '[1, 0]')),
    ('tf.cast(tf.constant([-1.5, 2.5]), tf.uint8)', ('ok', 'uint8', [2], '[255, 2]')),
]
