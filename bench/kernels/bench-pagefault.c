/*
 * Page faults, the way an operating system takes them: a 16 MiB region
 * whose pages start not present is touched page by page, and the #PF
 * handler maps each one and returns to the faulting access (demand
 * paging), from ring 0 and from ring 3; then the region is unmapped, by
 * INVLPG of every page or by reloading CR3, and touched again. Last, a
 * copy-on-write pass: every page maps one shared frame read-only, and a
 * write fault copies it into the page's own frame and makes that writable.
 * The counts of faults and a checksum over the frames are printed, so a
 * run that skipped faults or misplaced data cannot pass as fast.
 */
#include "kit.h"

#define PAGES           4096                    /* 16 MiB */
#define PASSES_RING0    12
#define PASSES_RING3    12
#define PASSES_COW      4

#define VBASE           0x0000008000000000ull   /* PML4 slot 1: unused */
#define VA(i)           (VBASE + (uint64_t)(i) * 4096)

#define PTE_P           (1ull << 0)
#define PTE_W           (1ull << 1)
#define PTE_U           (1ull << 2)
#define PTE_ADDR        0x000FFFFFFFFFF000ull

#define PF_P            0x01
#define PF_W            0x02

static uint64_t pdpt[512] __attribute__((aligned(4096)));
static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[PAGES] __attribute__((aligned(4096)));   /* 8 tables */
static uint64_t frames[PAGES][512] __attribute__((aligned(4096)));
/* The frame every page shares before its first write in the COW pass. */
static uint64_t shared[512] __attribute__((aligned(4096)));

static uint64_t faults_ring0, faults_ring3, faults_cow;

static uint64_t phys(const void *p)
{
    return (uintptr_t)p;        /* identity map */
}

static _Noreturn void bad_fault(struct kit_frame *f, uint64_t va)
{
    kit_printf("bench-pagefault: unexpected #PF err=0x%lx cr2=0x%lx "
               "rip=0x%lx\n", f->err, va, f->rip);
    kit_exit(KIT_EXIT_EXCEPTION);
}

static void on_page_fault(struct kit_frame *f)
{
    uint64_t va = read_cr2();
    uint64_t i = (va - VBASE) >> 12;

    if (va < VBASE || i >= PAGES) {
        bad_fault(f, va);
    }
    if (!(f->err & PF_P)) {
        /* Not present: map the page's frame. Nothing to flush, as no
         * TLB holds a not-present entry. */
        pt[i] = phys(frames[i]) | PTE_P | PTE_W | PTE_U;
        if (f->cs & 3) {
            faults_ring3++;
        } else {
            faults_ring0++;
        }
    } else if ((f->err & PF_W) && !(pt[i] & PTE_W)) {
        /* Write to the shared frame: copy it, and flush the read-only
         * translation as an OS that replaces a present PTE does. */
        for (int k = 0; k < 512; k++) {
            frames[i][k] = shared[k];
        }
        pt[i] = phys(frames[i]) | PTE_P | PTE_W | PTE_U;
        invlpg((void *)va);
        faults_cow++;
    } else {
        bad_fault(f, va);
    }
}

/*
 * Adds to one word of every page, a different word each pass; the read
 * faults first, and the write then goes through the new mapping. Runs at
 * CPL 0 or under kit_run_user.
 */
static uint64_t touch(uint64_t pass)
{
    uint64_t sum = 0;

    for (uint64_t i = 0; i < PAGES; i++) {
        volatile uint64_t *w = (volatile uint64_t *)(VA(i) +
                                                     ((i + pass) % 512) * 8);
        uint64_t v = *w + i + pass;
        *w = v;
        sum += v;
    }
    return sum;
}

/* Reads one word of every page (the shared frame), then writes another. */
static uint64_t touch_cow(uint64_t pass)
{
    uint64_t sum = 0;

    for (uint64_t i = 0; i < PAGES; i++) {
        volatile uint64_t *p = (volatile uint64_t *)VA(i);
        sum += p[(i + pass) % 512];
        p[(i * 7 + pass) % 512] += i;
    }
    return sum;
}

/* Every PTE to val, then the TLB flushed page by page or all at once. */
static void remap_all(uint64_t val, bool flush_all)
{
    for (int i = 0; i < PAGES; i++) {
        pt[i] = val;
    }
    if (flush_all) {
        write_cr3(read_cr3());
    } else {
        for (int i = 0; i < PAGES; i++) {
            invlpg((void *)VA(i));
        }
    }
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;
    kit_sys_init();
    kit_set_exception_handler(14, on_page_fault);

    uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
    pml4[1] = phys(pdpt) | PTE_P | PTE_W | PTE_U;
    pdpt[0] = phys(pd) | PTE_P | PTE_W | PTE_U;
    for (int t = 0; t < PAGES / 512; t++) {
        pd[t] = phys(&pt[t * 512]) | PTE_P | PTE_W | PTE_U;
    }
    write_cr3(read_cr3());
    for (int k = 0; k < 512; k++) {
        shared[k] = k * 0x9E3779B97F4A7C15ull;
    }

    uint64_t sum = 0;
    for (uint64_t pass = 0; pass < PASSES_RING0; pass++) {
        sum += touch(pass);
        remap_all(0, pass & 1);
    }
    for (uint64_t pass = 0; pass < PASSES_RING3; pass++) {
        sum += kit_run_user(touch, pass);
        remap_all(0, pass & 1);
    }
    for (uint64_t pass = 0; pass < PASSES_COW; pass++) {
        remap_all(phys(shared) | PTE_P | PTE_U, pass & 1);
        sum += kit_run_user(touch_cow, pass);
    }
    for (int i = 0; i < PAGES; i++) {
        for (int k = 0; k < 512; k++) {
            sum = sum * 31 + frames[i][k];
        }
    }

    uint64_t faults = faults_ring0 + faults_ring3 + faults_cow;
    kit_printf("bench-pagefault: %lu faults (ring 0 %lu, ring 3 %lu, "
               "copy-on-write %lu), checksum %016lx\n", faults, faults_ring0,
               faults_ring3, faults_cow, sum);
    kit_exit(faults_ring0 == (uint64_t)PAGES * PASSES_RING0 &&
             faults_ring3 == (uint64_t)PAGES * PASSES_RING3 &&
             faults_cow == (uint64_t)PAGES * PASSES_COW ? 0 : 1);
}
