/*
 * Process-context identifiers and INVPCID (SDM Vol. 3A 4.10.1, 4.10.2.4,
 * 4.10.4.1; Vol. 2A INVPCID; Vol. 2B MOV to CR3/CR4): the CPUID bits,
 * setting CR4.PCIDE (#GP(0) unless CR3[11:0] = 0), CR3 bit 63 (no
 * invalidation, never stored; reserved while PCIDE = 0), which TLB
 * entries MOV to CR3 and each INVPCID type invalidate, and the INVPCID
 * faults (#GP(0) for CPL 3, a type above 3, reserved descriptor bits, a
 * non-canonical address for type 0, a non-zero PCID for types 0 and 1
 * while PCIDE = 0; #UD for LOCK, a register operand, no 66 prefix).
 *
 * A TLB check maps a test page to frame A, reads it (the TLB now holds
 * the translation), points the PTE at frame B without invalidating, runs
 * the operation and reads again: B means the translation was invalidated.
 * Where the SDM says an operation keeps a translation (a global one for
 * MOV to CR3 and INVPCID types 1 and 3, the current PCID's for a reload
 * with bit 63 set), the check wants A, which is what processors do: the
 * SDM would let a processor drop it too (a TLB may drop any entry), so
 * those lines describe real processors rather than a rule.
 *
 * Checks that need a feature the CPU does not offer are replaced by a
 * "not offered" line (QEMU's default CPU: see pcid.qemu.expected); the
 * kernel never sets CR4.PCIDE then, as QEMU 7.2 hangs on a MOV to CR4 it
 * refuses (see cr-gp.c).
 */
#include "cr.h"
#include "paging.h"

#define CR3_NOFLUSH     (1ull << 63)

enum {
    INVPCID_ADDR = 0,           /* individual address */
    INVPCID_SINGLE = 1,         /* single context */
    INVPCID_ALL_GLOBAL = 2,     /* all contexts, global translations too */
    INVPCID_ALL = 3,            /* all contexts but global translations */
};

#define VAL_A           0xA1A1A1A1A1A1A1A1ull
#define VAL_B           0xB2B2B2B2B2B2B2B2ull
#define NONCANONICAL    0x0000800000000000ull

struct invpcid_desc {
    uint64_t pcid;              /* PCID in bits 11:0, 63:12 reserved */
    uint64_t addr;
};

static uint64_t cr3_base, cr4_base;

static void try_invpcid(uint64_t type, uint64_t pcid, uint64_t addr)
{
    struct invpcid_desc d = { pcid, addr };
    __asm__ volatile(KIT_TRY("invpcid %1, %0")
                     : : "r"(type), "m"(d) : "r11", "memory");
}

/* ---- TLB checks ---- */

/* Each check has a page of its own (pt slots from 32): a stale entry one
 * check leaves behind in another PCID cannot reach the next. */
static unsigned next_slot = 32;

typedef void (*tlb_op)(uint64_t va);

static uint64_t op_pcid;        /* the PCID the INVPCID ops name */

static void op_invpcid_addr(uint64_t va)
{
    try_invpcid(INVPCID_ADDR, op_pcid, va);
}

static void op_invpcid_single(uint64_t va)
{
    (void)va;
    try_invpcid(INVPCID_SINGLE, op_pcid, 0);
}

static void op_invpcid_all_global(uint64_t va)
{
    (void)va;
    try_invpcid(INVPCID_ALL_GLOBAL, op_pcid, 0);
}

static void op_invpcid_all(uint64_t va)
{
    (void)va;
    try_invpcid(INVPCID_ALL, op_pcid, 0);
}

static void op_cr3_reload(uint64_t va)
{
    (void)va;
    write_cr3(read_cr3());
}

static void op_cr3_reload_noflush(uint64_t va)
{
    (void)va;
    write_cr3(read_cr3() | CR3_NOFLUSH);
}

static void op_clear_pcide(uint64_t va)
{
    (void)va;
    write_cr4(read_cr4() & ~CR4_PCIDE);
}

/*
 * Maps a fresh page to frame A (global if g), reads it, remaps it to frame
 * B without invalidating, runs op and reads again: wants B if want_new,
 * else A.
 */
static void check_tlb(const char *name, bool g, tlb_op op, bool want_new)
{
    unsigned slot = next_slot++;
    uint64_t va = VA4K(slot), gbit = g ? PTE_G : 0;

    kit_catch_reset();
    set_pte(slot, phys(frame_a) | PTE_P | PTE_W | gbit);
    uint64_t before = *(volatile uint64_t *)va;
    pt[slot] = phys(frame_b) | PTE_P | PTE_W | gbit;
    op(va);
    uint64_t after = *(volatile uint64_t *)va;
    kit_result(name, kit_caught_count == 0 && before == VAL_A &&
               after == (want_new ? VAL_B : VAL_A),
               "%lu exception(s) (vec %lu); before 0x%lx after 0x%lx",
               kit_caught_count, kit_caught.vec, before, after);
    kit_catch_reset();
    pt[slot] = 0;
    invlpg((void *)va);
}

/* ---- INVPCID with CR4.PCIDE = 0 (the current PCID is 000H) ---- */

static void check_invpcid_pcide0(void)
{
    op_pcid = 0;
    check_tlb("INVPCID type 0 makes a changed PTE visible", false,
              op_invpcid_addr, true);
    check_tlb("INVPCID type 1 makes a changed PTE visible", false,
              op_invpcid_single, true);
    check_tlb("INVPCID type 2 makes a changed PTE visible", false,
              op_invpcid_all_global, true);
    check_tlb("INVPCID type 3 makes a changed PTE visible", false,
              op_invpcid_all, true);
    check_tlb("INVPCID type 1 keeps a global translation", true,
              op_invpcid_single, false);
    check_tlb("INVPCID type 3 keeps a global translation", true,
              op_invpcid_all, false);
    check_tlb("INVPCID type 2 invalidates a global translation", true,
              op_invpcid_all_global, true);

    /* Types 2 and 3 use neither the PCID nor the address. */
    try_invpcid(INVPCID_ALL_GLOBAL, 5, NONCANONICAL);
    kit_expect_no_fault("INVPCID type 2 ignores the PCID and address");
    try_invpcid(INVPCID_ALL, 5, NONCANONICAL);
    kit_expect_no_fault("INVPCID type 3 ignores the PCID and address");
}

/* ---- INVPCID faults ---- */

static uint64_t user_invpcid(uint64_t type)
{
    struct invpcid_desc d = { 0, 0 };
    __asm__ volatile(KIT_TRY("invpcid %1, %0")
                     : : "r"(type), "m"(d) : "r11", "memory");
    return 0;
}

static void check_invpcid_faults(void)
{
    struct invpcid_desc d = { 0, 0 };

    try_invpcid(4, 0, 0);
    kit_expect_fault("INVPCID type 4: #GP(0)", 13, 0, KERN_CS);
    try_invpcid((1ull << 32) | INVPCID_ALL, 0, 0);
    kit_expect_fault("INVPCID type 2^32 + 3 (a 64-bit register): #GP(0)", 13,
                     0, KERN_CS);
    try_invpcid(INVPCID_ALL, 1ull << 12, 0);
    kit_expect_fault("INVPCID descriptor bit 12 set: #GP(0)", 13, 0,
                     KERN_CS);
    try_invpcid(INVPCID_ALL_GLOBAL, 1ull << 63, 0);
    kit_expect_fault("INVPCID descriptor bit 63 set: #GP(0)", 13, 0,
                     KERN_CS);
    try_invpcid(INVPCID_ADDR, 0, NONCANONICAL);
    kit_expect_fault("INVPCID type 0 with a non-canonical address: #GP(0)",
                     13, 0, KERN_CS);
    try_invpcid(INVPCID_ADDR, 1, VA4K(0));
    kit_expect_fault("INVPCID type 0 with PCID 1 while CR4.PCIDE=0: #GP(0)",
                     13, 0, KERN_CS);
    try_invpcid(INVPCID_SINGLE, 1, 0);
    kit_expect_fault("INVPCID type 1 with PCID 1 while CR4.PCIDE=0: #GP(0)",
                     13, 0, KERN_CS);

    kit_run_user(user_invpcid, INVPCID_ALL);
    kit_expect_fault("INVPCID at CPL 3: #GP(0)", 13, 0, USER_CS);

    __asm__ volatile(KIT_TRY(".byte 0xf0; invpcid %0, %1")
                     : : "m"(d), "r"((uint64_t)INVPCID_ALL)
                     : "r11", "memory");
    kit_expect_fault("LOCK INVPCID: #UD", 6, 0, KERN_CS);
    /* 66 0F 38 82 C0: ModRM.mod = 3 */
    __asm__ volatile(KIT_TRY(".byte 0x66, 0x0f, 0x38, 0x82, 0xc0")
                     : : "a"((uint64_t)INVPCID_ALL) : "r11", "memory");
    kit_expect_fault("INVPCID with a register operand: #UD", 6, 0, KERN_CS);
    /* 0F 38 82 /r without the 66 prefix is not an instruction */
    __asm__ volatile(KIT_TRY(".byte 0x0f, 0x38, 0x82, 0x06")
                     : : "a"((uint64_t)INVPCID_ALL), "S"(&d)
                     : "r11", "memory");
    kit_expect_fault("0F 38 82 without the 66 prefix: #UD", 6, 0, KERN_CS);
}

/* ---- CR4.PCIDE and CR3 ---- */

/* Sets CR4.PCIDE (CR3[11:0] = 0 first); false if that failed. */
static bool check_set_pcide(void)
{
    /* Bit 63 is reserved in CR3 while PCIDE = 0. */
    try_write_cr3(cr3_base | CR3_NOFLUSH);
    uint64_t v = read_cr3();
    if (v != cr3_base) {
        write_cr3(cr3_base);
    }
    if (kit_expect_fault("MOV to CR3 with bit 63 while CR4.PCIDE=0: #GP(0)",
                         13, 0, KERN_CS) && v != cr3_base) {
        kit_printf("  (CR3 changed: 0x%lx)\n", v);
        kit_check_failures++;
    }

    write_cr3(cr3_base | 1);
    try_write_cr4(cr4_base | CR4_PCIDE);
    v = read_cr4();
    write_cr3(cr3_base);
    if (v & CR4_PCIDE) {
        write_cr4(cr4_base);
    }
    if (kit_expect_fault("CR4.PCIDE set with CR3[11:0] != 0: #GP(0)", 13, 0,
                         KERN_CS) && (v & CR4_PCIDE)) {
        kit_puts("  (CR4.PCIDE was set)");
        kit_check_failures++;
    }

    try_write_cr4(cr4_base | CR4_PCIDE);
    v = read_cr4();
    bool ok = kit_result("CR4.PCIDE set with CR3[11:0] = 0",
                         kit_caught_count == 0 &&
                         v == (cr4_base | CR4_PCIDE),
                         "%lu exception(s) (vec %lu), CR4 0x%lx",
                         kit_caught_count, kit_caught.vec, v);
    kit_catch_reset();
    return ok;
}

static void check_pcid_cr3(void)
{
    kit_catch_reset();
    try_write_cr3(cr3_base | 5 | CR3_NOFLUSH);
    uint64_t v = read_cr3();
    kit_result("MOV to CR3 with PCID 5 and bit 63: reads back without bit 63",
               kit_caught_count == 0 && v == (cr3_base | 5),
               "%lu exception(s) (vec %lu), CR3 0x%lx", kit_caught_count,
               kit_caught.vec, v);
    kit_catch_reset();

    /* The current PCID is 5 from here. */
    check_tlb("MOV to CR3 without bit 63 makes a changed PTE visible", false,
              op_cr3_reload, true);
    check_tlb("MOV to CR3 without bit 63 keeps a global translation", true,
              op_cr3_reload, false);
    check_tlb("MOV to CR3 of the same CR3 with bit 63 keeps the translation",
              false, op_cr3_reload_noflush, false);

    /*
     * A switch with bit 63 to a PCID that caches nothing for the page must
     * not use the translation of the PCID it leaves: PCID 6 is flushed
     * first by a MOV to CR3 without bit 63.
     */
    unsigned slot = next_slot++;
    uint64_t va = VA4K(slot);
    write_cr3(cr3_base | 6);
    write_cr3(cr3_base | 5);
    set_pte(slot, phys(frame_a) | PTE_P | PTE_W);
    uint64_t before = *(volatile uint64_t *)va;
    pt[slot] = phys(frame_b) | PTE_P | PTE_W;
    write_cr3(cr3_base | 6 | CR3_NOFLUSH);
    uint64_t after = *(volatile uint64_t *)va;
    kit_result("MOV to CR3 with bit 63 to another PCID: the old PCID's "
               "translation is not used", before == VAL_A && after == VAL_B,
               "before 0x%lx after 0x%lx", before, after);
    write_cr3(cr3_base | 5);
}

/* ---- INVPCID with CR4.PCIDE = 1, current PCID 5 ---- */

static void check_invpcid_pcide1(void)
{
    op_pcid = 5;
    check_tlb("PCID 5: INVPCID type 0 makes a changed PTE visible", false,
              op_invpcid_addr, true);
    check_tlb("PCID 5: INVPCID type 1 makes a changed PTE visible", false,
              op_invpcid_single, true);
    check_tlb("PCID 5: INVPCID type 1 keeps a global translation", true,
              op_invpcid_single, false);
    check_tlb("PCID 5: INVPCID type 3 keeps a global translation", true,
              op_invpcid_all, false);
    check_tlb("PCID 5: INVPCID type 2 invalidates a global translation", true,
              op_invpcid_all_global, true);

    try_invpcid(INVPCID_ADDR, 6, VA4K(0));
    kit_expect_no_fault("INVPCID type 0 with PCID 6 while CR4.PCIDE=1");
    try_invpcid(INVPCID_SINGLE, 0xFFF, 0);
    kit_expect_no_fault("INVPCID type 1 with PCID 0xFFF while CR4.PCIDE=1");

    /*
     * Invalidating another PCID: PCID 6 caches the page, the PTE changes
     * under PCID 5, INVPCID invalidates PCID 6's mappings, and PCID 6,
     * entered with bit 63 set, sees the new PTE.
     */
    static const char *const names[2] = {
        "INVPCID type 0 of another PCID invalidates its translation",
        "INVPCID type 1 of another PCID invalidates its translation",
    };
    for (unsigned type = 0; type < 2; type++) {
        unsigned slot = next_slot++;
        uint64_t va = VA4K(slot);
        kit_catch_reset();
        write_cr3(cr3_base | 6);
        set_pte(slot, phys(frame_a) | PTE_P | PTE_W);
        uint64_t before = *(volatile uint64_t *)va;
        write_cr3(cr3_base | 5 | CR3_NOFLUSH);
        pt[slot] = phys(frame_b) | PTE_P | PTE_W;
        try_invpcid(type, 6, va);
        write_cr3(cr3_base | 6 | CR3_NOFLUSH);
        uint64_t after = *(volatile uint64_t *)va;
        write_cr3(cr3_base | 5);
        kit_result(names[type], kit_caught_count == 0 && before == VAL_A &&
                   after == VAL_B, "%lu exception(s) (vec %lu); before 0x%lx "
                   "after 0x%lx", kit_caught_count, kit_caught.vec, before,
                   after);
        kit_catch_reset();
    }
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    struct kit_cpuid_leaves id;
    uint32_t *c0 = id.c0, *c1 = id.c1, *c7 = id.c7;

    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: pcid");
    paging_setup();
    kit_catch(6);
    kit_catch(13);
    kit_catch_reset();

    kit_cpuid_leaves(&id);
    bool pcid = c1[2] & (1u << 17), invpcid = c7[1] & (1u << 10);
    kit_printf("CPUID.01H:ECX.PCID[bit 17]: %u\n", (unsigned)pcid);
    kit_printf("CPUID.(EAX=07H,ECX=0):EBX.INVPCID[bit 10]: %u\n",
               (unsigned)invpcid);

    fill(frame_a, 0xA1);
    fill(frame_b, 0xB2);
    cr3_base = read_cr3();
    uint64_t cr4_boot = read_cr4();
    cr4_base = cr4_boot | CR4_PGE;
    write_cr4(cr4_base);

    if (invpcid) {
        check_invpcid_pcide0();
        check_invpcid_faults();
    } else {
        __asm__ volatile(KIT_TRY("invpcid %0, %1")
                         : : "m"(c0), "r"((uint64_t)INVPCID_ALL)
                         : "r11", "memory");
        kit_expect_fault("INVPCID without CPUID.INVPCID: #UD", 6, 0, KERN_CS);
    }

    if (!pcid) {
        kit_puts("PCID: not offered");
    } else if (check_set_pcide()) {
        check_pcid_cr3();
        if (invpcid) {
            check_invpcid_pcide1();
        }
        /* Back to PCID 0, then clearing PCIDE invalidates everything. */
        write_cr3(cr3_base);
        check_tlb("clearing CR4.PCIDE invalidates a global translation", true,
                  op_clear_pcide, true);
    }

    write_cr4(cr4_boot);
    write_cr3(cr3_base);
    kit_puts("pcid: done");
    kit_finish();
}
