NAME golden_model
ROWS
 N  OBJ
 L  le
 G  ge
 E  eq
 L  R3
 N  free
COLUMNS
    x  OBJ  1
    x  le  1
    x  eq  1
    x  free  0.001
    y  OBJ  -2.5
    y  le  2
    y  ge  1.5
    z  ge  -1
    z  eq  1
    w  OBJ  3
    w  eq  1
    w  R3  1
    v_v  OBJ  0.125
    v_v  R3  1
    x_1  R3  1
RHS
    RHS  OBJ  -12.75
    RHS  le  10
    RHS  ge  -3
    RHS  eq  4
    RHS  R3  6
RANGES
    RNG  R3  5
BOUNDS
 LO BND  y  -1
 UP BND  y  4
 FR BND  z
 MI BND  w
 UP BND  w  7
 FX BND  v_v  2
 LO BND  x_1  1.5
ENDATA
