/*
 * The MOV to control register writes that must raise #GP(0) in 64-bit
 * mode and leave the register unchanged (SDM Vol. 2B MOV to/from control
 * registers, 64-bit mode exceptions; Vol. 3A 2.5, 10.8.5): CR0[63:32],
 * NW without CD, PG without PE, CR8[63:4], CR4 reserved bits and bits
 * whose CPUID feature is absent, CR4.PCIDE with CR3[11:0] != 0, CR3 bits
 * above MAXPHYADDR, and leaving IA-32e mode by changing CR4.LA57,
 * clearing CR4.PAE or clearing CR0.PG. The last ones come last: a CPU
 * that accepts them leaves long mode.
 *
 * QEMU 7.2 (TCG) raises no #GP for the CR0 and CR8 cases, and a MOV to
 * CR4 with a reserved bit never completes (it calls its SVM #VMEXIT path
 * outside a guest and retries the instruction), so the kernel times out
 * there.
 */
#include "cr.h"
#include "kit.h"

static uint64_t read_cr8(void)
{
    uint64_t v;
    __asm__ volatile("movq %%cr8, %0" : "=r"(v));
    return v;
}

/* A MOV to CR that must raise #GP(0) and change nothing. */
static void expect_gp(const char *name, uint64_t before, uint64_t after)
{
    if (kit_expect_fault(name, 13, 0, KIT_SEL_CS64) && after != before) {
        kit_printf("  (the register changed: 0x%lx -> 0x%lx)\n", before,
                   after);
        kit_check_failures++;
    }
}

static void cr0_gp(const char *name, uint64_t val)
{
    uint64_t before = read_cr0();
    try_write_cr0(val);
    uint64_t after = read_cr0();
    if (after != before) {
        write_cr0(before);
    }
    expect_gp(name, before, after);
}

static void cr4_gp(const char *name, uint64_t val)
{
    uint64_t before = read_cr4();
    try_write_cr4(val);
    uint64_t after = read_cr4();
    if (after != before) {
        write_cr4(before);
    }
    expect_gp(name, before, after);
}

/* A CR4 bit that may be set only when CPUID enumerates its feature. */
static void cr4_feature(const char *name, uint64_t bit, bool present)
{
    uint64_t cr4 = read_cr4();

    if (present) {
        /* Supported: no claim here beyond "this line exists". */
        kit_printf("%s: ok\n", name);
        return;
    }
    cr4_gp(name, cr4 | bit);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    struct kit_cpuid_leaves id;
    uint32_t *c1 = id.c1, *c7 = id.c7, *e8 = id.e8;

    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: cr-gp");
    /*
     * No kit_sys_init(): boot.S's identity map has U/S = 0 everywhere, so
     * a CR4.SMEP or CR4.SMAP that the CPU wrongly accepts changes nothing
     * for this ring-0 code.
     */
    kit_catch(6);
    kit_catch(13);
    kit_catch_reset();

    kit_cpuid_leaves(&id);
    unsigned maxphy = e8[0] ? (e8[0] & 0xFF) : 36;
    uint64_t cr0 = read_cr0(), cr4 = read_cr4(), cr3 = read_cr3();

    /* ---- CR0: reserved bits 63:32 and invalid combinations ---- */
    cr0_gp("CR0 bit 32 set: #GP(0)", cr0 | (1ull << 32));
    cr0_gp("CR0 bit 63 set: #GP(0)", cr0 | (1ull << 63));
    cr0_gp("CR0.NW=1 with CD=0: #GP(0)", (cr0 & ~CR0_CD) | CR0_NW);
    cr0_gp("CR0.PG=1 with PE=0: #GP(0)", cr0 & ~CR0_PE);

    /* ---- CR8: bits 63:4 reserved ---- */
    __asm__ volatile("movq %0, %%cr8" : : "r"(5ull));
    try_write_cr8(0x10);
    uint64_t v = read_cr8();
    expect_gp("CR8 bit 4 set: #GP(0)", 5, v);
    __asm__ volatile("movq %0, %%cr8" : : "r"(0ull));

    /* ---- CR4: reserved bits, and bits whose CPUID feature is absent ---- */
    cr4_gp("CR4 bit 63 set: #GP(0)", cr4 | (1ull << 63));
    cr4_gp("CR4 bit 32 set: #GP(0)", cr4 | (1ull << 32));
    cr4_feature("CR4.VMXE needs CPUID VMX", CR4_VMXE, c1[2] & (1u << 5));
    cr4_feature("CR4.SMXE needs CPUID SMX", CR4_SMXE, c1[2] & (1u << 6));
    cr4_feature("CR4.PCIDE needs CPUID PCID", CR4_PCIDE, c1[2] & (1u << 17));
    cr4_feature("CR4.OSXSAVE needs CPUID XSAVE", CR4_OSXSAVE,
                c1[2] & (1u << 26));
    cr4_feature("CR4.FSGSBASE needs CPUID FSGSBASE", CR4_FSGSBASE,
                c7[1] & (1u << 0));
    cr4_feature("CR4.SMEP needs CPUID SMEP", CR4_SMEP, c7[1] & (1u << 7));
    cr4_feature("CR4.SMAP needs CPUID SMAP", CR4_SMAP, c7[1] & (1u << 20));
    cr4_feature("CR4.UMIP needs CPUID UMIP", CR4_UMIP, c7[2] & (1u << 2));
    cr4_feature("CR4.PKE needs CPUID PKU", CR4_PKE, c7[2] & (1u << 3));
    if (c1[2] & (1u << 17)) {
        /* PCIDE 0 -> 1 needs CR3[11:0] = 0. */
        write_cr3(cr3 | 1);
        cr4_gp("CR4.PCIDE set with CR3[11:0] != 0: #GP(0)",
               cr4 | CR4_PCIDE);
        write_cr3(cr3);
    } else {
        kit_puts("CR4.PCIDE set with CR3[11:0] != 0: #GP(0): ok");
    }

    /*
     * Last, most survivable first: a CPU that accepts one of these leaves
     * long mode or walks page tables that are not there.
     */
    cr4_gp("CR4.LA57 changed in IA-32e mode: #GP(0)", cr4 ^ CR4_LA57);
    cr0_gp("CR0.PG cleared in 64-bit mode: #GP(0)", cr0 & ~CR0_PG);
    cr4_gp("CR4.PAE cleared in IA-32e mode: #GP(0)", cr4 & ~CR4_PAE);
    if (maxphy <= 51) {
        try_write_cr3(cr3 | (1ull << 51));
        v = read_cr3();
        if (v != cr3) {
            write_cr3(cr3);
        }
        expect_gp("CR3 bit 51 (above MAXPHYADDR): #GP(0)", cr3, v);
    } else {
        kit_puts("CR3 bit 51 (above MAXPHYADDR): #GP(0): ok");
    }

    kit_puts("cr-gp: done");
    kit_finish();
}
