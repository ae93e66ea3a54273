import minitf as tf
save = tf.train.Checkpoint()
save.listed = [tf.Variable(1.)]
save.listed.append(tf.Variable(2.))
save.mapped = {'one': save.listed[0]}
save.mapped['two'] = save.listed[1]
save_path = save.save('./tf_list_example')
print(tf.train.list_variables(save_path))
restore = tf.train.Checkpoint()
v2 = tf.Variable(0.)
print(0. == v2.numpy())
restore.mapped = {'two': v2}
restore.restore(save_path)
print(v2.numpy())
restore.listed = []
print(restore.listed)
v1 = tf.Variable(0.)
restore.listed.append(v1)
print(v1.numpy())
