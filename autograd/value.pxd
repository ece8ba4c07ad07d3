# The types of value.py's class and names, read by Cython when it compiles value.py.
cdef class Value:
    cdef dict __dict__
    cdef public double data
    cdef public double grad
    cdef readonly tuple parents
    cdef readonly tuple local_grads
    cdef readonly object op
    cdef readonly tuple params
    cdef public str label
    cdef readonly long long index

cdef Value _make(object op, tuple parents, tuple args, tuple params)
cdef Value _constant(object op, Value x, object number, object position)
