/*
 * Shared by the paging kernels (paging.c, paging-rsvd.c): test page
 * tables in PML4 slot 1, accesses under KIT_TRY at CPL 0 or 3, and a
 * page-fault check. Every kernel that includes it gets its own copy.
 *
 * From VBASE = 512 GiB: PDPT[0] -> PD, PD[0] -> PT with one 4 KiB page
 * per check (the S_* slots), PD[1] a 2 MiB page, PD[2] -> a second PT
 * (pt_upper) for checks on PDE flags; PDPT[1] is a 1 GiB page.
 */
#ifndef TESTS_BAREMETAL_PAGING_H
#define TESTS_BAREMETAL_PAGING_H

#include "kit.h"

#define PT_UNUSED __attribute__((unused))
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

#define MSR_EFER        0xC0000080
#define EFER_NXE        (1ull << 11)

#define CR0_WP          (1ull << 16)
#define CR4_PGE         (1ull << 7)

#define PTE_P           (1ull << 0)
#define PTE_W           (1ull << 1)
#define PTE_U           (1ull << 2)
#define PTE_A           (1ull << 5)
#define PTE_D           (1ull << 6)
#define PTE_PS          (1ull << 7)
#define PTE_G           (1ull << 8)
#define PTE_XD          (1ull << 63)
#define PTE_ADDR        0x000FFFFFFFFFF000ull

/* Page-fault error code (Vol. 3A 4.7). */
#define PF_P            0x01
#define PF_W            0x02
#define PF_U            0x04
#define PF_RSVD         0x08
#define PF_I            0x10

#define VBASE           0x0000008000000000ull   /* PML4 slot 1 */
#define VA4K(i)         (VBASE + (uint64_t)(i) * 4096)
#define VA2M            (VBASE + 0x200000)      /* PD[1] */
#define VA_UPPER(i)     (VBASE + 0x400000 + (uint64_t)(i) * 4096) /* PD[2] */
#define VA1G            (VBASE + 0x40000000)    /* PDPT[1] */
#define VA_BADPML4      0x0000010000000000ull   /* PML4 slot 2 */
#define PHYS2M          0x04000000ull           /* 64 MiB: free RAM */

/* The 4 KiB pages' slots in pt[]. */
enum {
    S_MAP, S_NP, S_RO, S_SUP, S_URO, S_XD, S_FETCH, S_RSVD, S_XDRSVD,
    S_AD, S_INVLPG, S_CR3, S_GLOBAL, S_CROSS, S_CROSS_NP, S_WP0, S_CODE,
};

static PT_UNUSED uint64_t pdpt[512] __attribute__((aligned(4096)));
static PT_UNUSED uint64_t pd[512] __attribute__((aligned(4096)));
static PT_UNUSED uint64_t pt[512] __attribute__((aligned(4096)));
static PT_UNUSED uint64_t pt_upper[512] __attribute__((aligned(4096)));
static PT_UNUSED uint64_t bad_pdpt[512] __attribute__((aligned(4096)));
/* Frames the 4 KiB pages map. */
static PT_UNUSED uint8_t frame_a[4096] __attribute__((aligned(4096)));
static PT_UNUSED uint8_t frame_b[4096] __attribute__((aligned(4096)));
static PT_UNUSED uint8_t frame_code[4096] __attribute__((aligned(4096)));

static PT_UNUSED uint64_t *pml4;

static PT_UNUSED uint64_t phys(const void *p)
{
    return (uintptr_t)p;        /* identity map */
}

static PT_UNUSED void set_pte(unsigned slot, uint64_t val)
{
    pt[slot] = val;
    invlpg((void *)VA4K(slot));
}

/* ---- Accesses under KIT_TRY; they run at CPL 0 or CPL 3 ---- */

static PT_UNUSED bool last_was_fetch;

static PT_UNUSED uint64_t try_read(uint64_t va)
{
    uint64_t v = 0;
    last_was_fetch = false;
    __asm__ volatile(KIT_TRY("movq (%1), %0")
                     : "+r"(v) : "r"(va) : "r11", "memory");
    return v;
}

static PT_UNUSED uint64_t try_write(uint64_t va)
{
    last_was_fetch = false;
    __asm__ volatile(KIT_TRY("movq %1, (%0)")
                     : : "r"(va), "r"(0x5757575757575757ull)
                     : "r11", "memory");
    return 0;
}

/* Jumps to va, where frame_code says "jmp *%rcx" to come back. */
static PT_UNUSED uint64_t try_fetch(uint64_t va)
{
    last_was_fetch = true;
    __asm__ volatile("leaq 88802f(%%rip), %%rcx\n\t"
                     KIT_TRY("jmp *%0")
                     : : "r"(va) : "rcx", "r11", "memory");
    return 0;
}

/* An 8-byte store at va, which may cross into the next page. */
static PT_UNUSED uint64_t try_write_unaligned(uint64_t va)
{
    last_was_fetch = false;
    __asm__ volatile(KIT_TRY("movq %1, (%0)")
                     : : "r"(va), "r"(0x5858585858585858ull)
                     : "r11", "memory");
    return 0;
}

/*
 * A #PF with error code err and CR2 = va, in ring 0 or ring 3 (cs). The
 * saved RIP is the faulting instruction; for a fetch from va, that is va.
 */
static PT_UNUSED void expect_pf(const char *name, uint64_t err,
                                uint64_t cs, uint64_t va)
{
    uint64_t rip = last_was_fetch ? va : kit_try_insn;

    if (kit_caught_count == 0) {
        kit_result(name, false, "no exception");
    } else {
        kit_result(name, kit_caught_count == 1 && kit_caught.vec == 14 &&
                   kit_caught.err == err && kit_caught.cs == cs &&
                   kit_caught.rip == rip && kit_caught_cr2 == va,
                   "%lu exception(s), last vec %lu err 0x%lx cs 0x%lx cr2 "
                   "0x%lx rip 0x%lx; want #PF err 0x%lx cs 0x%lx cr2 0x%lx "
                   "rip 0x%lx", kit_caught_count, kit_caught.vec,
                   kit_caught.err, kit_caught.cs, kit_caught_cr2,
                   kit_caught.rip, err, cs, va, rip);
    }
    kit_catch_reset();
}

static PT_UNUSED uint64_t user_read(uint64_t va)
{
    return try_read(va);
}

static PT_UNUSED uint64_t user_write(uint64_t va)
{
    return try_write(va);
}

static PT_UNUSED uint64_t user_fetch(uint64_t va)
{
    return try_fetch(va);
}

#define USER_CS 0x33
#define KERN_CS KIT_SEL_CS64

static PT_UNUSED void fill(uint8_t *frame, uint8_t byte)
{
    memset(frame, byte, 4096);
}

struct paging_cpu {
    bool nx;            /* CPUID.80000001H:EDX.NX */
    bool gb_pages;      /* CPUID.80000001H:EDX.Page1GB */
    unsigned maxphy;    /* CPUID.80000008H:EAX[7:0] */
};

/* kit_sys_init(), #PF caught, the test tables hooked into PML4 slot 1. */
static PT_UNUSED struct paging_cpu paging_setup(void)
{
    uint32_t e0[4], e1[4] = { 0 }, e8[4] = { 0 };
    struct paging_cpu c;

    kit_sys_init();
    kit_catch(14);
    kit_catch_reset();

    kit_cpuid(0x80000000u, 0, e0);
    if (e0[0] >= 0x80000001u) {
        kit_cpuid(0x80000001u, 0, e1);
    }
    if (e0[0] >= 0x80000008u) {
        kit_cpuid(0x80000008u, 0, e8);
    }
    c.nx = e1[3] & (1u << 20);
    c.gb_pages = e1[3] & (1u << 26);
    c.maxphy = e8[0] ? (e8[0] & 0xFF) : 36;

    pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
    pml4[1] = phys(pdpt) | PTE_P | PTE_W | PTE_U;
    pdpt[0] = phys(pd) | PTE_P | PTE_W | PTE_U;
    pd[0] = phys(pt) | PTE_P | PTE_W | PTE_U;
    write_cr3(read_cr3());
    return c;
}

#endif
