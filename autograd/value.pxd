# The types of value.py's class and functions, read by Cython when it compiles value.py.
# data and index stay Python objects: ops read them as such, so they are never re-boxed.
cdef class Value:
    cdef dict own  # compiled, attributes of your own live here: see Value.__setattr__
    cdef public object data
    cdef public double grad
    cdef readonly tuple parents
    cdef readonly tuple local_grads
    cdef readonly object op
    cdef readonly tuple params
    cdef public str label
    cdef readonly object index

cpdef Value make_node(object op, tuple parents, tuple args, tuple params)
cpdef Value with_number(object op, Value x, object number, object position)
