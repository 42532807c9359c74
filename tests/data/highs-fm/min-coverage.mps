NAME        
OBJSENSE
  MAX
ROWS
 N  Obj     
 G  r0      
 G  r1      
 L  r2      
 G  r3      
 G  r4      
 G  r5      
 L  r6      
 G  r7      
 L  r8      
 L  r9      
 L  r10     
 L  r11     
 L  r12     
 L  r13     
 L  r14     
 L  r15     
COLUMNS
    c0        r2        0.3125
    c0        r6        1.25
    c0        r7        0.75
    c0        r9        -0.1875
    c1        r0        0.25
    c1        r2        0.03125
    c1        r3        1.125
    c1        r8        -1.125
    c2        r0        1
    c2        r2        0.125
    c2        r4        0.75
    c2        r9        -0.75
    c3        r0        0.25
    c3        r2        0.03125
    c3        r5        1.125
    c3        r10       -1.125
    MARK0000  'MARKER'                 'INTORG'
    c4        r1        1
    c4        r2        0.03125
    c4        r4        1.1875
    c4        r9        -1.1875
    MARK0001  'MARKER'                 'INTEND'
    c5        r2        0.25
    c5        r6        -0.75
    c6        r3        1
    c6        r15       0.52674897119341568
    c7        r4        1
    c7        r15       1.0534979423868314
    c8        r5        1
    c8        r15       0.52674897119341568
    c9        r6        -1
    c9        r14       0.42244224422442245
    c10       r7        1
    c10       r14       0.71111111111111114
    c11       r8        1
    c11       r11       -0.03292181069958848
    c12       r9        1
    c12       r12       -0.088888888888888892
    c13       r10       1
    c13       r13       -0.020997375328083989
    c14       Obj       1
    c14       r11       1
    c14       r12       1
    c14       r13       1
RHS
    RHS_V     r0        0.75
    RHS_V     r1        1
    RHS_V     r2        3.3125
    RHS_V     r3        10.125
    RHS_V     r4        5.0625
    RHS_V     r5        10.125
    RHS_V     r6        -0.625
    RHS_V     r7        22.5
    RHS_V     r14       15.780330064783634
    RHS_V     r15       12.971157764014789
BOUNDS
 UP BOUND     c0        13.6
 UP BOUND     c1        27
 UP BOUND     c2        15
 UP BOUND     c3        42.333333333333336
 UI BOUND     c4        9.473684210526315
 UP BOUND     c5        1.375
 UP BOUND     c11       30.375
 UP BOUND     c12       11.25
 UP BOUND     c13       47.625
 UP BOUND     c14       1
ENDATA
