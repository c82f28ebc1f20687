/*
 * cputest: runs instruction sequences natively and on bt86's CPU and
 * compares the results (see README.md).
 *
 *   cputest --directed [--filter SUBSTR]
 *   cputest --random [--seed S] [--count N]
 *   ... --mode 32 / --mode 16: 32-bit / 16-bit code segments
 *   (compatibility mode, compat32.c)
 *
 * Options: --show K (full reports per distinct failure, default 1),
 * --max-reports K (distinct failures reported in full, default 200),
 * --list (directed: print the forms and test counts, run nothing),
 * --tb-flush (flush bt86's whole translation cache before each test instead
 * of invalidating the test pages), -v (progress), --tcg PROP=off[,...]
 * (the JIT's techniques switched off as by bt86's -accel tcg,PROP=off).
 * Exit status: 0 when every test matched, 1 otherwise, 2 on harness errors.
 */
#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "cputest.h"
#include "tcg/tuning.h"

typedef struct Failure {
    char *sig;
    uint64_t count;
    int shown;
} Failure;

static struct {
    bool directed, random, list, verbose;
    bool x87;       /* --random: x87 sequences only */
    bool sse;           /* --sse: the MMX/SSE tests (sse.c) */
    const char *filter;
    uint64_t seed, count;
    int show, max_reports;
    int mode;       /* 64; 32 or 16: compat32.c's tests */
} opt = { .mode = 64, .seed = 1, .count = 100000, .show = 1, .max_reports = 200 };

static csh cs;
static GHashTable *failures;   /* signature -> Failure */
static uint64_t nb_tests, nb_insns, nb_failed, nb_harness;
static int reports_printed;

/* ----- comparison ----- */

typedef struct Diff {
    bool status, vector, err, cr2, rip, seg;
    uint16_t flags;          /* differing compared flags */
    uint16_t regs;           /* differing registers */
    uint16_t mask;           /* flags compared */
    int ndata, nstack, ncode; /* differing bytes */
    int first_data, first_stack;
    uint8_t fx;              /* FXD_* */
    uint8_t st;              /* differing ST(i) */
    uint16_t xmm;            /* differing XMM registers */
} Diff;

enum { FXD_FCW = 1, FXD_FSW = 2, FXD_FTW = 4, FXD_PTRS = 8, FXD_MXCSR = 16 };

/* The FXSAVE image: control, status and tag words, MXCSR, the registers
 * (10 bytes of each x87 slot); not MXCSR_MASK (the host's own), not the
 * reserved bytes; FOP/FIP/FDP only when the test asks. */
static void compare_fx(const TestCase *tc, const FxImage *a, const FxImage *b,
                       Diff *d)
{
    d->fx |= a->fcw != b->fcw ? FXD_FCW : 0;
    d->fx |= a->fsw != b->fsw ? FXD_FSW : 0;
    d->fx |= a->ftw != b->ftw ? FXD_FTW : 0;
    d->fx |= a->mxcsr != b->mxcsr ? FXD_MXCSR : 0;
    if (tc->fx_ptrs && (a->fop != b->fop || a->fip != b->fip ||
                        a->fdp != b->fdp)) {
        d->fx |= FXD_PTRS;
    }
    for (int i = 0; i < 8; i++) {
        if (a->st[i].mant != b->st[i].mant || a->st[i].exp != b->st[i].exp) {
            d->st |= (uint8_t)(1u << i);
        }
    }
    for (int i = 0; i < 16; i++) {
        if (memcmp(a->xmm[i], b->xmm[i], 16)) {
            d->xmm |= (uint16_t)(1u << i);
        }
    }
}

/* Flags undefined at the point where the test stopped. */
static uint16_t undef_at(const TestCase *tc, const TestResult *nat)
{
    uint64_t off = nat->rip - tc_entry(tc);
    int n = tc->nb_insns;
    if (nat->vector == 3 && off == (uint64_t)tc->insn_off[n] + 1) {
        return n ? tc->undef[n - 1] : 0;
    }
    for (int k = 0; k <= n; k++) {
        if (tc->insn_off[k] == off) {
            return k ? tc->undef[k - 1] : 0;
        }
    }
    /* somewhere else (a jump into the int3 padding): be conservative */
    uint16_t u = 0;
    for (int k = 0; k < n; k++) {
        u |= tc->undef[k];
    }
    return u;
}

static bool compare(const TestCase *tc, const TestResult *nat,
                    const TestResult *bt, Diff *d)
{
    memset(d, 0, sizeof(*d));
    d->first_data = d->first_stack = -1;
    if (nat->status != ST_OK || bt->status != ST_OK) {
        d->status = true;
        return false;
    }
    d->vector = nat->vector != bt->vector;
    if (!d->vector && vector_has_err(nat->vector)) {
        /* Both sides run at CPL 3 with NX on: the whole error code.
         * But above the host's user space (the top page and the kernel
         * half) the host has pages, present but not for user mode, and
         * Linux reports P set there anyway: P is the host's business. */
        uint32_t m = nat->vector == 14 && nat->cr2 >= 0x7ffffffff000ull
                         ? ~1u : 0xffffffffu;
        d->err = ((nat->err ^ bt->err) & m) != 0;
        d->cr2 = nat->vector == 14 && nat->cr2 != bt->cr2;
    }
    d->rip = nat->rip != bt->rip;
    if (tc->cmode != TC_MODE64) {
        d->rip = (uint32_t)nat->rip != (uint32_t)bt->rip;
    }
    d->seg = nat->cs != bt->cs || (nat->ss != 0xffff && nat->ss != bt->ss);
    d->mask = (uint16_t)(F_CMP & ~undef_at(tc, nat));
    d->flags = (uint16_t)((nat->rflags ^ bt->rflags) & d->mask);
    for (int i = 0; i < 16; i++) {
        uint64_t x = nat->regs[i] ^ bt->regs[i];
        if (tc->hi32_undef & (1u << i)) {
            x &= 0xffffffffull;
        }
        if (tc->cmode != TC_MODE64) {
            /* bits 63:32 of the GPRs, and R8-R15, are undefined after
             * compatibility-mode code (SDM Vol. 1, 3.4.1.1) */
            x = i < 8 ? x & 0xffffffffull : 0;
        }
        if (x) {
            d->regs |= (uint16_t)(1u << i);
        }
    }
    for (unsigned i = 0; i < DATA_SIZE; i++) {
        if (nat->data[i] != bt->data[i]) {
            if (d->first_data < 0) {
                d->first_data = (int)i;
            }
            d->ndata++;
        }
    }
    for (unsigned i = 0; i < STACK_SIZE; i++) {
        if (nat->stack[i] != bt->stack[i]) {
            if (d->first_stack < 0) {
                d->first_stack = (int)i;
            }
            d->nstack++;
        }
    }
    for (unsigned i = 0; i < CODE_SIZE; i++) {
        d->ncode += nat->code[i] != bt->code[i];
    }
    compare_fx(tc, &nat->fx, &bt->fx, d);
    return !(d->vector || d->err || d->cr2 || d->rip || d->seg || d->flags ||
             d->regs || d->ndata || d->nstack || d->ncode || d->fx || d->st ||
             d->xmm);
}

/* Which parts differ, for grouping failures: " {err,rsp}" */
static void diff_class(const TestResult *nat, const TestResult *bt,
                       const Diff *d, char *out, size_t outsz)
{
    char buf[160] = "";
    size_t k = 0;
#define ADD(str) k += (size_t)snprintf(buf + k, sizeof(buf) - k, "%s%s", \
                                       k ? "," : "", (str))
    if (d->status) {
        ADD(nat->status != ST_OK ? "native failed" : "bt86 did not finish");
    }
    if (d->vector) {
        char v[40];
        snprintf(v, sizeof(v), "vector %d/%d", nat->vector, bt->vector);
        ADD(v);
    }
    if (d->err) {
        ADD("error code");
    }
    if (d->cr2) {
        ADD("cr2");
    }
    if (d->rip && !d->vector) {
        ADD("rip");
    }
    if (d->seg) {
        ADD("cs/ss");
    }
    if (d->flags) {
        ADD("flags");
    }
    if (d->regs & (1u << RSP)) {
        ADD("rsp");
    }
    if (d->regs & ~(1u << RSP)) {
        ADD("regs");
    }
    if ((d->ndata || d->nstack || d->ncode) && !d->vector) {
        ADD("memory");
    }
    if (d->fx & (FXD_FCW | FXD_FSW | FXD_FTW | FXD_PTRS)) {
        ADD("x87 control");
    }
    if (d->st) {
        ADD("st");
    }
    if (d->fx & FXD_MXCSR) {
        ADD("mxcsr");
    }
    if (d->xmm) {
        ADD("xmm");
    }
#undef ADD
    snprintf(out, outsz, " {%s}", buf);
}

/* ----- reports ----- */

static const char *const rnames[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static void flag_str(uint64_t f, char *s)
{
    snprintf(s, 12, "%c%c%c%c%c%c%c", f & F_OF ? 'O' : '-',
             f & F_DF ? 'D' : '-', f & F_SF ? 'S' : '-',
             f & F_ZF ? 'Z' : '-', f & F_AF ? 'A' : '-',
             f & F_PF ? 'P' : '-', f & F_CF ? 'C' : '-');
}

static void print_code(FILE *f, const TestCase *tc, unsigned len)
{
    fprintf(f, "  bytes:");
    for (unsigned i = 0; i < len; i++) {
        fprintf(f, " %02x", tc->code[i]);
    }
    fprintf(f, "\n");
    cs_insn *insn;
    size_t n = cs_disasm(cs, tc->code, len, tc_entry(tc), 0, &insn);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        char hex[64] = "";
        for (int j = 0; j < insn[i].size && j < 15; j++) {
            snprintf(hex + 3 * j, sizeof(hex) - 3 * (size_t)j, "%02x ",
                     insn[i].bytes[j]);
        }
        fprintf(f, "    %08" PRIx64 ": %-33s %s %s\n", insn[i].address, hex,
                insn[i].mnemonic, insn[i].op_str);
        done += insn[i].size;
    }
    if (done < len) {
        fprintf(f, "    %08" PRIx64 ": (capstone cannot decode the rest)\n",
                tc_entry(tc) + done);
    }
    if (n) {
        cs_free(insn, n);
    }
}

static const char *status_name(int s)
{
    switch (s) {
    case ST_OK: return "ok";
    case ST_TIMEOUT: return "TIMEOUT (did not stop)";
    case ST_SHUTDOWN: return "TRIPLE FAULT";
    default: return "CRASH (left the run loop unexpectedly)";
    }
}

static void print_result(FILE *f, const char *who, const TestResult *r,
                         const Diff *d, bool mark)
{
    char fl[12];
    if (r->status != ST_OK) {
        fprintf(f, "  %-7s %s\n", who, status_name(r->status));
        if (r->status == ST_CRASH && !strcmp(who, "native")) {
            return;
        }
    }
    flag_str(r->rflags, fl);
    fprintf(f, "  %-7s vector %2d%s", who, r->vector,
            mark && d->vector ? "*" : " ");
    if (vector_has_err(r->vector)) {
        fprintf(f, " err %#x%s", r->err, mark && d->err ? "*" : " ");
    }
    if (r->vector == 14) {
        fprintf(f, " cr2 %#" PRIx64 "%s", r->cr2, mark && d->cr2 ? "*" : " ");
    }
    fprintf(f, " rip %#" PRIx64 "%s rflags %#" PRIx64 " [%s]%s", r->rip,
            mark && d->rip ? "*" : " ", r->rflags, fl,
            mark && d->flags ? "*" : "");
    if (d->seg) {
        fprintf(f, " cs %#x ss %#x*", r->cs, r->ss);
    }
    fprintf(f, "\n");
    for (int i = 0; i < 16; i++) {
        bool diff = mark && (d->regs & (1u << i));
        fprintf(f, "%s%-3s=%016" PRIx64 "%s", i % 4 ? " " : "          ",
                rnames[i], r->regs[i], diff ? "*" : " ");
        if (i % 4 == 3) {
            fprintf(f, "\n");
        }
    }
}

static void print_mem_diff(FILE *f, const char *region, const uint8_t *a,
                           const uint8_t *b, unsigned size, uint64_t base,
                           int n)
{
    if (!n) {
        return;
    }
    fprintf(f, "  %s: %d byte(s) differ (address: native / bt86)\n", region,
            n);
    int shown = 0;
    for (unsigned i = 0; i < size && shown < 16; i++) {
        if (a[i] != b[i]) {
            fprintf(f, "    %#" PRIx64 ": %02x / %02x\n", base + i, a[i], b[i]);
            shown++;
        }
    }
}

static void print_x87_reg(FILE *f, const char *name, const FxImage *fx,
                          int i, bool mark)
{
    fprintf(f, "    %s %04x.%016" PRIx64 "%s", name, fx->st[i].exp,
            fx->st[i].mant, mark ? "*" : " ");
}

/* The FP state: in full for `input`, else what differs (d) */
static void print_fx(FILE *f, const char *who, const FxImage *fx,
                     const Diff *d)
{
    bool all = !d;
    fprintf(f, "  %-7s fcw %04x%s fsw %04x%s ftw %02x%s mxcsr %08x%s", who,
            fx->fcw, !all && (d->fx & FXD_FCW) ? "*" : "", fx->fsw,
            !all && (d->fx & FXD_FSW) ? "*" : "", fx->ftw,
            !all && (d->fx & FXD_FTW) ? "*" : "", fx->mxcsr,
            !all && (d->fx & FXD_MXCSR) ? "*" : "");
    if (all || (d->fx & FXD_PTRS)) {
        fprintf(f, " fop %03x fip %#" PRIx64 " fdp %#" PRIx64 "%s", fx->fop,
                fx->fip, fx->fdp, all ? "" : "*");
    }
    fprintf(f, "\n");
    for (int i = 0; i < 8; i++) {
        if (all ? (fx->ftw >> ((i + (fx->fsw >> 11)) & 7)) & 1
                : (d->st >> i) & 1) {
            char name[8];
            snprintf(name, sizeof(name), "st%d", i);
            print_x87_reg(f, name, fx, i, !all);
            fprintf(f, "\n");
        }
    }
    for (int i = 0; i < 16; i++) {
        static const uint8_t zero[16];
        if (all ? memcmp(fx->xmm[i], zero, 16) != 0 : (d->xmm >> i) & 1) {
            fprintf(f, "    xmm%-2d ", i);
            for (int j = 15; j >= 0; j--) {
                fprintf(f, "%02x%s", fx->xmm[i][j], j == 8 ? "_" : "");
            }
            fprintf(f, "%s\n", all ? "" : "*");
        }
    }
}

static void report(const TestCase *tc, unsigned code_len,
                   const TestResult *nat, const TestResult *bt, const Diff *d,
                   const char *sig, uint64_t test_no)
{
    FILE *f = stdout;
    char fl[12];
    fprintf(f, "\nFAIL #%" PRIu64 " [%s]", test_no, sig);
    if (strncmp(sig, tc->name, strlen(tc->name))) {
        fprintf(f, " in [%s]", tc->name);
    }
    fprintf(f, "\n");
    print_code(f, tc, code_len);
    flag_str(tc->rflags, fl);
    fprintf(f, "  input   rflags %#" PRIx64 " [%s], memory seed %#" PRIx64
            "\n", (tc->rflags & F_CMP) | F_FIXED, fl, tc->mem_seed);
    for (int i = 0; i < 16; i++) {
        fprintf(f, "%s%-3s=%016" PRIx64 " ", i % 4 ? " " : "          ",
                rnames[i], tc->regs[i]);
        if (i % 4 == 3) {
            fprintf(f, "\n");
        }
    }
    for (unsigned i = 0; i < tc->nb_patch; i++) {
        const MemPatch *p = &tc->patch[i];
        fprintf(f, "          mem %#" PRIx64 " (%u bytes) = %#" PRIx64 "\n",
                (p->region ? STACK_BASE : DATA_BASE) + p->off, p->len,
                p->val);
    }
    if (tc->fx_set) {
        FxImage in;
        tc_fx_input(tc, &in);
        print_fx(f, "input", &in, NULL);
    }
    print_result(f, "native", nat, d, true);
    print_result(f, "bt86", bt, d, true);
    if (nat->status == ST_OK && bt->status == ST_OK &&
        (d->fx || d->st || d->xmm)) {
        print_fx(f, "native", &nat->fx, d);
        print_fx(f, "bt86", &bt->fx, d);
    }
    if (d->flags) {
        char m[12];
        flag_str(d->flags, m);
        fprintf(f, "  flags differ: [%s] (compared: %#x)\n", m, d->mask);
    }
    if (nat->status == ST_OK && bt->status == ST_OK) {
        print_mem_diff(f, "data", nat->data, bt->data, DATA_SIZE, DATA_BASE,
                       d->ndata);
        print_mem_diff(f, "stack", nat->stack, bt->stack, STACK_SIZE,
                       STACK_BASE, d->nstack);
        print_mem_diff(f, "code", nat->code, bt->code, CODE_SIZE, CODE_BASE,
                       d->ncode);
    }
    if (bt->status == ST_OK && nat->status == ST_OK && bt->vector == 6 &&
        nat->vector != 6) {
        fprintf(f, "  bt86 raised #UD on code the host runs\n");
    }
}

/* A signature for an instruction: mnemonic and operand kinds. */
static void insn_signature(const uint8_t *code, unsigned len, uint64_t addr,
                           char *out, size_t outsz)
{
    cs_insn *insn;
    size_t n = cs_disasm(cs, code, len, addr, 1, &insn);
    if (!n) {
        snprintf(out, outsz, "(undecodable %02x %02x %02x)", code[0],
                 len > 1 ? code[1] : 0, len > 2 ? code[2] : 0);
        return;
    }
    cs_x86 *x = &insn[0].detail->x86;
    bool keep_cl = strstr(insn[0].mnemonic, "sh") || strstr(insn[0].mnemonic, "sa") ||
                   strstr(insn[0].mnemonic, "ro") || strstr(insn[0].mnemonic, "rc");
    int k = snprintf(out, outsz, "%s", insn[0].mnemonic);
    for (int i = 0; i < x->op_count && k < (int)outsz; i++) {
        cs_x86_op *o = &x->operands[i];
        const char *sep = i ? ", " : " ";
        switch (o->type) {
        case X86_OP_REG: {
            const char *rn = cs_reg_name(cs, o->reg);
            if ((keep_cl && o->reg == X86_REG_CL) ||
                o->reg == X86_REG_AH || o->reg == X86_REG_BH ||
                o->reg == X86_REG_CH || o->reg == X86_REG_DH) {
                k += snprintf(out + k, outsz - (size_t)k, "%s%s", sep, rn);
            } else {
                k += snprintf(out + k, outsz - (size_t)k, "%sr%d", sep,
                              o->size * 8);
            }
            break;
        }
        case X86_OP_IMM:
            k += snprintf(out + k, outsz - (size_t)k, "%simm", sep);
            break;
        case X86_OP_MEM:
            k += snprintf(out + k, outsz - (size_t)k, "%sm%d", sep,
                          o->size * 8);
            break;
        default:
            break;
        }
    }
    cs_free(insn, n);
}

/* ----- running ----- */

static TestCase batch[NATIVE_BATCH];
static TestResult bt_out[NATIVE_BATCH];
static int batch_n;
static uint64_t test_counter;

static void record_failure(const TestCase *tc, unsigned code_len,
                           const TestResult *nat, const TestResult *bt,
                           const Diff *d, const char *sig)
{
    Failure *fl = g_hash_table_lookup(failures, sig);
    if (!fl) {
        fl = g_new0(Failure, 1);
        fl->sig = g_strdup(sig);
        g_hash_table_insert(failures, fl->sig, fl);
    }
    fl->count++;
    if (fl->shown < opt.show && reports_printed < opt.max_reports) {
        fl->shown++;
        reports_printed++;
        report(tc, code_len, nat, bt, d, sig, test_counter);
    }
}

/*
 * A prefix that stops right after a BSF/BSR r32 (which random sequences
 * follow with a zero-extending mov) has a host-dependent bits 63:32.
 */
static void fixup_prefix(TestCase *p)
{
    int k = p->nb_insns - 1;
    cs_insn *insn;
    size_t n = cs_disasm(cs, p->code + p->insn_off[k],
                         p->insn_off[k + 1] - p->insn_off[k],
                         tc_entry(p) + p->insn_off[k], 1, &insn);
    if (!n) {
        return;
    }
    cs_x86 *x = &insn[0].detail->x86;
    if ((insn[0].id == X86_INS_BSF || insn[0].id == X86_INS_BSR) &&
        x->op_count >= 1 && x->operands[0].type == X86_OP_REG &&
        x->operands[0].size == 4) {
        static const x86_reg r32[16] = {
            X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP,
            X86_REG_EBP, X86_REG_ESI, X86_REG_EDI, X86_REG_R8D, X86_REG_R9D,
            X86_REG_R10D, X86_REG_R11D, X86_REG_R12D, X86_REG_R13D,
            X86_REG_R14D, X86_REG_R15D,
        };
        for (int i = 0; i < 16; i++) {
            if (x->operands[0].reg == r32[i]) {
                p->hi32_undef |= (uint16_t)(1u << i);
            }
        }
    }
    cs_free(insn, n);
}

/*
 * A random sequence failed: find the shortest failing prefix, whose last
 * instruction is the culprit, and name the failure after it.
 */
static void minimise(const TestCase *tc, const TestResult *nat,
                     const TestResult *bt, const Diff *d)
{
    static TestCase pre[MAX_INSNS];
    static TestResult pre_bt[MAX_INSNS];
    static TestResult pre_nat[MAX_INSNS];
    int n = tc->nb_insns;
    int k;

    for (k = 1; k < n; k++) {
        TestCase *p = &pre[k - 1];
        *p = *tc;
        p->nb_insns = (uint16_t)k;
        p->code_len = tc->insn_off[k] + 1u;
        p->code[tc->insn_off[k]] = 0xcc;
        memset(p->code + p->code_len, 0xcc, MAX_CODE - p->code_len);
        p->insn_off[k] = tc->insn_off[k];
        fixup_prefix(p);
    }
    /* run prefixes 1..n-1 on both sides */
    int m = n - 1;
    for (int i = 0; i < m; i += NATIVE_BATCH) {
        int c = m - i < NATIVE_BATCH ? m - i : NATIVE_BATCH;
        native_submit(pre + i, c);
        for (int j = 0; j < c; j++) {
            bt86_run(&pre[i + j], &pre_bt[i + j]);
        }
        memcpy(pre_nat + i, native_collect(), sizeof(TestResult) * (size_t)c);
    }
    const TestCase *fc = tc;
    const TestResult *fn = nat, *fb = bt;
    Diff fd = *d;
    for (k = 1; k < n; k++) {
        Diff pd;
        if (!compare(&pre[k - 1], &pre_nat[k - 1], &pre_bt[k - 1], &pd)) {
            fc = &pre[k - 1];
            fn = &pre_nat[k - 1];
            fb = &pre_bt[k - 1];
            fd = pd;
            break;
        }
    }
    int culprit = fc->nb_insns - 1;
    char sig[160];
    insn_signature(fc->code + fc->insn_off[culprit],
                   fc->code_len - fc->insn_off[culprit],
                   tc_entry(fc) + fc->insn_off[culprit], sig, sizeof(sig));
    diff_class(fn, fb, &fd, sig + strlen(sig), sizeof(sig) - strlen(sig));
    record_failure(fc, fc->code_len, fn, fb, &fd, sig);
}

static void run_batch(void)
{
    if (!batch_n) {
        return;
    }
    native_submit(batch, batch_n);
    for (int i = 0; i < batch_n; i++) {
        bt86_run(&batch[i], &bt_out[i]);
    }
    const TestResult *nat = native_collect();
    /* minimise() reuses the shared results: keep a copy */
    static TestResult nat_copy[NATIVE_BATCH];
    memcpy(nat_copy, nat, sizeof(TestResult) * (size_t)batch_n);
    for (int i = 0; i < batch_n; i++) {
        Diff d;
        test_counter++;
        nb_tests++;
        nb_insns += batch[i].nb_insns;
        if (compare(&batch[i], &nat_copy[i], &bt_out[i], &d)) {
            continue;
        }
        nb_failed++;
        if (nat_copy[i].status != ST_OK) {
            nb_harness++;
        }
        if (opt.random && batch[i].nb_insns > 1) {
            minimise(&batch[i], &nat_copy[i], &bt_out[i], &d);
        } else {
            char sig[160];
            snprintf(sig, sizeof(sig), "%s", batch[i].name);
            if (opt.random) {
                insn_signature(batch[i].code, batch[i].code_len,
                               tc_entry(&batch[i]),
                               sig, sizeof(sig));
            }
            diff_class(&nat_copy[i], &bt_out[i], &d, sig + strlen(sig),
                       sizeof(sig) - strlen(sig));
            record_failure(&batch[i], batch[i].code_len, &nat_copy[i],
                           &bt_out[i], &d, sig);
        }
    }
    batch_n = 0;
}

static bool sink(TestCase *tc, void *opaque)
{
    (void)opaque;
    batch[batch_n++] = *tc;
    if (batch_n == NATIVE_BATCH) {
        run_batch();
    }
    return true;
}

/* --list */
static GHashTable *list_counts;
static GPtrArray *list_order;

static bool list_sink(TestCase *tc, void *opaque)
{
    (void)opaque;
    gpointer v = g_hash_table_lookup(list_counts, tc->name);
    if (!v) {
        char *k = g_strdup(tc->name);
        g_ptr_array_add(list_order, k);
        g_hash_table_insert(list_counts, k, GSIZE_TO_POINTER(1));
    } else {
        g_hash_table_insert(list_counts, g_strdup(tc->name),
                            GSIZE_TO_POINTER(GPOINTER_TO_SIZE(v) + 1));
    }
    nb_tests++;
    return true;
}

static int cmp_fail(const void *a, const void *b)
{
    const Failure *x = *(Failure *const *)a, *y = *(Failure *const *)b;
    return strcmp(x->sig, y->sig);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: cputest --directed [--filter SUBSTR] [--list]\n"
            "       cputest --random [--seed S] [--count N] [--x87]\n"
            "       ... [--mode 32|16]  (32-bit or 16-bit code segments)\n"
            "       ... --sse           (MMX and SSE instructions)\n"
            "       cputest --atomic    (LOCK against a concurrent host thread)\n"
            "options: --show K  --max-reports K  --tb-flush  -v\n"
            "         --tcg PROP=off[,...]  (bt86's -accel tcg properties)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--atomic")) {
            return atomic_main();
        } else if (!strcmp(a, "--directed")) {
            opt.directed = true;
        } else if (!strcmp(a, "--random")) {
            opt.random = true;
        } else if (!strcmp(a, "--x87")) {
            opt.x87 = true;
        } else if (!strcmp(a, "--sse")) {
            opt.sse = true;
        } else if (!strcmp(a, "--list")) {
            opt.list = true;
        } else if (!strcmp(a, "--tb-flush")) {
            bt86_full_flush = true;
        } else if (!strcmp(a, "-v")) {
            opt.verbose = true;
        } else if (!strcmp(a, "--mode") && v) {
            opt.mode = atoi(v);
            if (opt.mode != 64 && opt.mode != 32 && opt.mode != 16) {
                usage();
            }
            i++;
        } else if (!strcmp(a, "--filter") && v) {
            opt.filter = v;
            i++;
        } else if (!strcmp(a, "--seed") && v) {
            opt.seed = strtoull(v, NULL, 0);
            i++;
        } else if (!strcmp(a, "--count") && v) {
            opt.count = strtoull(v, NULL, 0);
            i++;
        } else if (!strcmp(a, "--show") && v) {
            opt.show = atoi(v);
            i++;
        } else if (!strcmp(a, "--max-reports") && v) {
            opt.max_reports = atoi(v);
            i++;
        } else if (!strcmp(a, "--tcg") && v) {
            /* as bt86's -accel tcg,PROP=off,...: techniques switched off */
            g_auto(GStrv) props = g_strsplit(v, ",", -1);
            for (int k = 0; props[k]; k++) {
                g_autofree char *err = NULL;
                char *eq = strchr(props[k], '=');
                if (eq) {
                    *eq++ = '\0';
                }
                if (!tcg_tuning_set(&tcg_tuning, props[k], eq, &err)) {
                    fprintf(stderr, "cputest: --tcg: %s\n", err);
                    return 2;
                }
            }
            i++;
        } else {
            usage();
        }
    }
    if (opt.directed == opt.random) {
        usage();
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (opt.list) {
        list_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            NULL);
        list_order = g_ptr_array_new();
        if (opt.sse) {
            sse_directed_generate(list_sink, NULL, opt.filter);
        } else if (opt.mode != 64) {
            compat32_directed_generate(list_sink, NULL, opt.filter, opt.mode);
        } else {
            directed_generate(list_sink, NULL, opt.filter);
        }
        for (guint i = 0; i < list_order->len; i++) {
            const char *k = g_ptr_array_index(list_order, i);
            printf("%6zu  %s\n",
                   GPOINTER_TO_SIZE(g_hash_table_lookup(list_counts, k)), k);
        }
        printf("%" PRIu64 " tests, %u forms\n", nb_tests, list_order->len);
        return 0;
    }

    if (cs_open(CS_ARCH_X86, opt.mode == 32 ? CS_MODE_32 :
                             opt.mode == 16 ? CS_MODE_16 : CS_MODE_64,
                &cs) != CS_ERR_OK) {
        fprintf(stderr, "cputest: capstone\n");
        return 2;
    }
    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
    failures = g_hash_table_new(g_str_hash, g_str_equal);
    if (!native_start()) {
        return 2;
    }
    bt86_init();

    double t0 = now();
    if (opt.directed) {
        if (opt.sse) {
            sse_directed_generate(sink, NULL, opt.filter);
        } else if (opt.mode != 64) {
            compat32_directed_generate(sink, NULL, opt.filter, opt.mode);
        } else {
            directed_generate(sink, NULL, opt.filter);
        }
        run_batch();
    } else {
        Rng rng = { opt.seed * 0x2545f4914f6cdd1dull + 1 };
        uint64_t last = 0;
        while (nb_insns < opt.count) {
            uint64_t planned = nb_insns;
            for (int i = 0; i < batch_n; i++) {
                planned += batch[i].nb_insns;
            }
            if (planned >= opt.count) {
                run_batch();
                break;
            }
            TestCase tc;
            if (opt.sse) {
                sse_random_generate_one(&rng, &tc);
            } else if (opt.mode != 64) {
                compat32_random_generate_one(&rng, &tc, opt.mode);
            } else if (opt.x87) {
                x87_random_generate_one(&rng, &tc);
            } else {
                random_generate_one(&rng, &tc);
            }
            sink(&tc, NULL);
            if (opt.verbose && nb_insns - last >= 1000000) {
                last = nb_insns;
                fprintf(stderr, "  %" PRIu64 " instructions, %" PRIu64
                        " failures\n", nb_insns, nb_failed);
            }
        }
        run_batch();
    }
    double dt = now() - t0;
    native_stop();

    /* summary */
    guint nf = g_hash_table_size(failures);
    if (nf) {
        Failure **arr = g_new(Failure *, nf);
        GHashTableIter it;
        gpointer k, v;
        guint j = 0;
        g_hash_table_iter_init(&it, failures);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            arr[j++] = v;
        }
        qsort(arr, nf, sizeof(*arr), cmp_fail);
        printf("\n%u distinct failing form(s):\n", nf);
        for (j = 0; j < nf; j++) {
            printf("  %8" PRIu64 "  %s\n", arr[j]->count, arr[j]->sig);
        }
        g_free(arr);
    }
    printf("\n%s: %" PRIu64 " tests, %" PRIu64 " instructions in %.2f s "
           "(%.0f instructions/s, %.0f tests/s); %" PRIu64 " failed",
           opt.directed ? "directed" : "random", nb_tests, nb_insns, dt,
           dt > 0 ? nb_insns / dt : 0.0, dt > 0 ? nb_tests / dt : 0.0,
           nb_failed);
    if (nb_harness) {
        printf(" (%" PRIu64 " of them failed natively: harness problem)",
               nb_harness);
    }
    printf("\n");
    return nb_failed ? 1 : 0;
}
