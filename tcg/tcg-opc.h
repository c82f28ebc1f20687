/*
 * The IR's operations, listed once. Every consumer (the op enum, the -d op
 * dump, liveness, the optimiser, the register allocator) reads this table.
 *
 * DEF(name, outputs, inputs, constant args, flags)
 */
DEF(set_label, 0, 0, 1, TCG_OPF_BB_END)
DEF(br, 0, 0, 1, TCG_OPF_BB_END)
DEF(brcond, 0, 2, 2, TCG_OPF_BB_END)          /* cond, label */
DEF(insn_start, 0, 0, 1, TCG_OPF_NOT_CODE)    /* guest pc of the instruction */

DEF(mov, 1, 1, 0, 0)
/* the temp's value is not needed any more (TCG's discard): earlier
 * computations of it that nothing else reads become dead */
DEF(discard, 1, 0, 0, 0)
DEF(setcond, 1, 2, 1, 0)                      /* cond */
DEF(movcond, 1, 4, 1, 0)                      /* ret = (a cond b) ? c : d */

/* host memory: base (usually env) + constant offset */
DEF(ld8u, 1, 1, 1, 0)
DEF(ld8s, 1, 1, 1, 0)
DEF(ld16u, 1, 1, 1, 0)
DEF(ld16s, 1, 1, 1, 0)
DEF(ld32u, 1, 1, 1, 0)
DEF(ld32s, 1, 1, 1, 0)
DEF(ld, 1, 1, 1, 0)
DEF(st8, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)
DEF(st16, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)
DEF(st32, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)
DEF(st, 0, 2, 1, TCG_OPF_SIDE_EFFECTS)

/* 64-bit arithmetic */
DEF(add, 1, 2, 0, 0)
DEF(sub, 1, 2, 0, 0)
DEF(and, 1, 2, 0, 0)
DEF(or, 1, 2, 0, 0)
DEF(xor, 1, 2, 0, 0)
DEF(mul, 1, 2, 0, 0)
DEF(shl, 1, 2, 0, 0)                          /* count taken mod 64 */
DEF(shr, 1, 2, 0, 0)
DEF(sar, 1, 2, 0, 0)
DEF(rotl, 1, 2, 0, 0)
DEF(rotr, 1, 2, 0, 0)
/* of the low 32 bits, zero-extended: what the optimiser makes of
 * ext32u(add(a, b)) and the like, host 32-bit instructions */
DEF(add32, 1, 2, 0, 0)
DEF(sub32, 1, 2, 0, 0)
DEF(and32, 1, 2, 0, 0)
DEF(or32, 1, 2, 0, 0)
DEF(xor32, 1, 2, 0, 0)
DEF(rotl32, 1, 2, 0, 0)                       /* of the low 32 bits, zero-extended */
DEF(rotr32, 1, 2, 0, 0)
DEF(neg, 1, 1, 0, 0)
DEF(not, 1, 1, 0, 0)
DEF(ext8s, 1, 1, 0, 0)
DEF(ext8u, 1, 1, 0, 0)
DEF(ext16s, 1, 1, 0, 0)
DEF(ext16u, 1, 1, 0, 0)
DEF(ext32s, 1, 1, 0, 0)
DEF(ext32u, 1, 1, 0, 0)
DEF(bswap16, 1, 1, 0, 0)                      /* of the low 16 bits, zero-extended */
DEF(bswap32, 1, 1, 0, 0)                      /* of the low 32 bits, zero-extended */
DEF(bswap64, 1, 1, 0, 0)
DEF(deposit, 1, 2, 2, 0)                      /* ret = a with bits [pos, pos+len) from b */

/* guest memory through the softmmu TLB: memop | mmu_idx << 8 */
DEF(qemu_ld, 1, 1, 1, TCG_OPF_SIDE_EFFECTS | TCG_OPF_SYNC_GLOBALS)
DEF(qemu_st, 0, 2, 1, TCG_OPF_SIDE_EFFECTS | TCG_OPF_SYNC_GLOBALS)

/* a host SSE integer instruction on two 16-byte env slots: insn, d, s
 * (tcg_gen_vec_op) */
DEF(vec_op, 0, 0, 3, TCG_OPF_SIDE_EFFECTS)

/* helper call: outputs/inputs vary; constant args: function, flags, name */
DEF(call, 0, 0, 3, TCG_OPF_CALL | TCG_OPF_SIDE_EFFECTS)

/* block exits */
DEF(goto_tb, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_BB_EXIT)   /* jump slot 0/1 */
DEF(exit_tb, 0, 0, 1, TCG_OPF_BB_END | TCG_OPF_BB_EXIT)   /* value for the loop */
DEF(goto_ptr, 0, 1, 0, TCG_OPF_BB_END | TCG_OPF_BB_EXIT)  /* host code address */
/* to the block for env's rip through the jump cache, else to the loop */
DEF(lookup_goto, 0, 0, 0, TCG_OPF_BB_END | TCG_OPF_BB_EXIT)
