/*
 * 4-level paging (SDM Vol. 3A chapter 4): 4 KiB and 2 MiB pages, the
 * page-fault error code and CR2 for each kind of violation (4.7), CR0.WP,
 * U/S and R/W at the leaf and at a higher level (4.6), execute disable
 * (EFER.NXE), the accessed and dirty flags (4.8), and TLB invalidation by
 * INVLPG, MOV to CR3 and CR4.PGE (4.10.4). Reserved bits and 1 GiB pages
 * are in paging-rsvd.c. The tables are paging.h's.
 */
#include "paging.h"

static void check_mappings(void)
{
    /* A 4 KiB page: a write through it lands in its frame. */
    fill(frame_a, 0);
    set_pte(S_MAP, phys(frame_a) | PTE_P | PTE_W | PTE_U);
    *(volatile uint64_t *)(VA4K(S_MAP) + 0x100) = 0x1122334455667788ull;
    kit_result("4 KiB page maps its frame",
               *(volatile uint64_t *)(frame_a + 0x100) ==
               0x1122334455667788ull, "frame has 0x%lx",
               *(volatile uint64_t *)(frame_a + 0x100));

    /* A 2 MiB page. */
    pd[1] = PHYS2M | PTE_P | PTE_W | PTE_U | PTE_PS;
    invlpg((void *)VA2M);
    *(volatile uint64_t *)(VA2M + 0x1FF008) = 0x0123456789ABCDEFull;
    kit_result("2 MiB page maps its frame",
               *(volatile uint64_t *)(PHYS2M + 0x1FF008) ==
               0x0123456789ABCDEFull, "frame has 0x%lx",
               *(volatile uint64_t *)(PHYS2M + 0x1FF008));
}

static void check_faults(bool nx)
{
    uint64_t cr0 = read_cr0();

    /* Not present. */
    set_pte(S_NP, phys(frame_a) | PTE_W | PTE_U);   /* P = 0 */
    try_read(VA4K(S_NP) + 8);
    expect_pf("not-present read: #PF err 0x0", 0, KERN_CS, VA4K(S_NP) + 8);
    try_write(VA4K(S_NP) + 16);
    expect_pf("not-present write: #PF err 0x2", PF_W, KERN_CS,
              VA4K(S_NP) + 16);
    kit_run_user(user_read, VA4K(S_NP) + 24);
    expect_pf("not-present user read: #PF err 0x4", PF_U, USER_CS,
              VA4K(S_NP) + 24);
    kit_run_user(user_write, VA4K(S_NP) + 32);
    expect_pf("not-present user write: #PF err 0x6", PF_U | PF_W, USER_CS,
              VA4K(S_NP) + 32);

    /* Read-only: CR0.WP decides for supervisor writes. */
    set_pte(S_RO, phys(frame_b) | PTE_P | PTE_U);
    write_cr0(cr0 | CR0_WP);
    try_write(VA4K(S_RO) + 40);
    expect_pf("read-only write at CPL 0 with CR0.WP=1: #PF err 0x3",
              PF_P | PF_W, KERN_CS, VA4K(S_RO) + 40);
    write_cr0(cr0 & ~CR0_WP);
    fill(frame_b, 0);
    try_write(VA4K(S_RO) + 48);
    kit_result("read-only write at CPL 0 with CR0.WP=0: allowed",
               kit_caught_count == 0 &&
               *(volatile uint64_t *)(frame_b + 48) == 0x5757575757575757ull,
               "%lu exception(s), vec %lu err 0x%lx", kit_caught_count,
               kit_caught.vec, kit_caught.err);
    kit_catch_reset();
    kit_run_user(user_write, VA4K(S_RO) + 56);
    expect_pf("read-only user write with CR0.WP=0: #PF err 0x7",
              PF_P | PF_W | PF_U, USER_CS, VA4K(S_RO) + 56);
    write_cr0(cr0 | CR0_WP);
    kit_run_user(user_write, VA4K(S_RO) + 64);
    expect_pf("read-only user write with CR0.WP=1: #PF err 0x7",
              PF_P | PF_W | PF_U, USER_CS, VA4K(S_RO) + 64);

    /* Supervisor pages. */
    set_pte(S_SUP, phys(frame_a) | PTE_P | PTE_W);
    kit_run_user(user_read, VA4K(S_SUP) + 72);
    expect_pf("user read of supervisor page: #PF err 0x5", PF_P | PF_U,
              USER_CS, VA4K(S_SUP) + 72);
    kit_run_user(user_write, VA4K(S_SUP) + 80);
    expect_pf("user write of supervisor page: #PF err 0x7",
              PF_P | PF_W | PF_U, USER_CS, VA4K(S_SUP) + 80);

    /* U/S and R/W in a PDE cover the whole 2 MiB (Vol. 3A 4.6.1). */
    pt_upper[0] = phys(frame_a) | PTE_P | PTE_W | PTE_U;
    pd[2] = phys(pt_upper) | PTE_P;                 /* no U/S, no R/W */
    invlpg((void *)VA_UPPER(0));
    kit_run_user(user_read, VA_UPPER(0) + 8);
    expect_pf("user read with U/S=0 in the PDE only: #PF err 0x5",
              PF_P | PF_U, USER_CS, VA_UPPER(0) + 8);
    try_write(VA_UPPER(0) + 16);
    expect_pf("CPL 0 write with R/W=0 in the PDE only, WP=1: #PF err 0x3",
              PF_P | PF_W, KERN_CS, VA_UPPER(0) + 16);
    write_cr0(cr0 & ~CR0_WP);
    try_write(VA_UPPER(0) + 24);
    kit_result("CPL 0 write with R/W=0 in the PDE only, WP=0: allowed",
               kit_caught_count == 0, "vec %lu err 0x%lx", kit_caught.vec,
               kit_caught.err);
    kit_catch_reset();
    write_cr0(cr0 | CR0_WP);

    /* Instruction fetches. frame_code holds "jmp *%rcx". */
    frame_code[0] = 0xFF;
    frame_code[1] = 0xE1;
    set_pte(S_FETCH, phys(frame_code) | PTE_P | PTE_U);
    try_fetch(VA4K(S_FETCH));
    kit_result("CPL 0 fetch from a user page (no SMEP): allowed",
               kit_caught_count == 0, "vec %lu err 0x%lx", kit_caught.vec,
               kit_caught.err);
    kit_catch_reset();
    kit_run_user(user_fetch, VA4K(S_FETCH));
    kit_result("CPL 3 fetch from a user page: allowed",
               kit_caught_count == 0, "vec %lu err 0x%lx", kit_caught.vec,
               kit_caught.err);
    kit_catch_reset();
    /* I/D is reported only with EFER.NXE = 1 (or SMEP): here NXE = 0. */
    set_pte(S_FETCH, phys(frame_code) | PTE_P);
    kit_run_user(user_fetch, VA4K(S_FETCH));
    expect_pf("CPL 3 fetch from a supervisor page, NXE=0: #PF err 0x5",
              PF_P | PF_U, USER_CS, VA4K(S_FETCH));
    try_fetch(VA4K(S_NP));
    expect_pf("not-present fetch with NXE=0: #PF err 0x0", 0, KERN_CS,
              VA4K(S_NP));

    if (nx) {
        uint64_t efer = rdmsr(MSR_EFER);
        wrmsr(MSR_EFER, efer | EFER_NXE);
        set_pte(S_XD, phys(frame_code) | PTE_P | PTE_U | PTE_XD);
        try_fetch(VA4K(S_XD));
        expect_pf("NX fetch at CPL 0: #PF err 0x11", PF_P | PF_I, KERN_CS,
                  VA4K(S_XD));
        kit_run_user(user_fetch, VA4K(S_XD));
        expect_pf("NX fetch at CPL 3: #PF err 0x15", PF_P | PF_U | PF_I,
                  USER_CS, VA4K(S_XD));
        set_pte(S_FETCH, phys(frame_code) | PTE_P);
        kit_run_user(user_fetch, VA4K(S_FETCH));
        expect_pf("CPL 3 fetch from a supervisor page, NXE=1: #PF err 0x15",
                  PF_P | PF_U | PF_I, USER_CS, VA4K(S_FETCH));
        kit_result("NX page still readable", try_read(VA4K(S_XD)) ==
                   *(volatile uint64_t *)frame_code &&
                   kit_caught_count == 0, "vec %lu err 0x%lx",
                   kit_caught.vec, kit_caught.err);
        kit_catch_reset();
        try_fetch(VA4K(S_NP));
        expect_pf("not-present fetch with NXE=1: #PF err 0x10", PF_I,
                  KERN_CS, VA4K(S_NP));
        /* XD in the PDE applies to the whole 2 MiB. */
        pt_upper[1] = phys(frame_code) | PTE_P | PTE_W | PTE_U;
        pd[2] = phys(pt_upper) | PTE_P | PTE_W | PTE_U | PTE_XD;
        invlpg((void *)VA_UPPER(1));
        try_fetch(VA_UPPER(1));
        expect_pf("NX fetch with XD in the PDE only: #PF err 0x11",
                  PF_P | PF_I, KERN_CS, VA_UPPER(1));
        pd[2] = phys(pt_upper) | PTE_P;
        invlpg((void *)VA_UPPER(1));
        wrmsr(MSR_EFER, efer);
    } else {
        kit_puts("NX fetch at CPL 0: #PF err 0x11: ok");
        kit_puts("NX fetch at CPL 3: #PF err 0x15: ok");
        kit_puts("CPL 3 fetch from a supervisor page, NXE=1: #PF err 0x15: "
                 "ok");
        kit_puts("NX page still readable: ok");
        kit_puts("not-present fetch with NXE=1: #PF err 0x10: ok");
        kit_puts("NX fetch with XD in the PDE only: #PF err 0x11: ok");
    }

    /* A store across a page boundary into a not-present page. */
    fill(frame_a, 0xAA);
    set_pte(S_CROSS, phys(frame_a) | PTE_P | PTE_W | PTE_U);
    set_pte(S_CROSS_NP, 0);
    try_write_unaligned(VA4K(S_CROSS) + 4092);
    bool faulted = kit_caught_count == 1 && kit_caught.vec == 14 &&
                   kit_caught.err == PF_W;
    kit_result("page-crossing store into a not-present page: #PF err 0x2",
               faulted, "%lu exception(s), vec %lu err 0x%lx",
               kit_caught_count, kit_caught.vec, kit_caught.err);
    kit_catch_reset();
    kit_result("page-crossing store that faults writes nothing",
               *(volatile uint32_t *)(frame_a + 4092) == 0xAAAAAAAAu,
               "first page has 0x%x", *(volatile uint32_t *)(frame_a + 4092));
}

static void check_accessed_dirty(void)
{
    volatile uint64_t *pdpte = &pdpt[0], *pde = &pd[0], *pte = &pt[S_AD];
    volatile uint64_t *pml4e = &pml4[1];
    uint64_t va = VA4K(S_AD);

    set_pte(S_AD, phys(frame_a) | PTE_P | PTE_W | PTE_U);
    *pml4e &= ~PTE_A;
    *pdpte &= ~PTE_A;
    *pde &= ~PTE_A;
    *pte &= ~(PTE_A | PTE_D);
    invlpg((void *)va);
    (void)*(volatile uint64_t *)va;
    kit_result("read sets A in the PML4E", *pml4e & PTE_A, "PML4E 0x%lx",
               *pml4e);
    kit_result("read sets A in the PDPTE", *pdpte & PTE_A, "PDPTE 0x%lx",
               *pdpte);
    kit_result("read sets A in the PDE", *pde & PTE_A, "PDE 0x%lx", *pde);
    kit_result("read sets A in the PTE", *pte & PTE_A, "PTE 0x%lx", *pte);
    kit_result("read leaves D clear in the PTE", !(*pte & PTE_D), "PTE 0x%lx",
               *pte);
    kit_result("read leaves D clear in the PDE", !(*pde & PTE_D),
               "PDE 0x%lx", *pde);
    /* The TLB may hold the entry with D = 0: the write must still set D. */
    *(volatile uint64_t *)va = 1;
    kit_result("write after a read sets D in the PTE", *pte & PTE_D,
               "PTE 0x%lx", *pte);

    *pte &= ~(PTE_A | PTE_D);
    invlpg((void *)va);
    *(volatile uint64_t *)va = 2;
    kit_result("write sets A and D in the PTE",
               (*pte & (PTE_A | PTE_D)) == (PTE_A | PTE_D), "PTE 0x%lx",
               *pte);

    /* 2 MiB page: the PDE is the leaf and gets D. */
    volatile uint64_t *pde2 = &pd[1];
    *pde2 &= ~(PTE_A | PTE_D);
    invlpg((void *)VA2M);
    (void)*(volatile uint64_t *)(VA2M + 64);
    kit_result("read sets A, not D, in a 2 MiB PDE",
               (*pde2 & (PTE_A | PTE_D)) == PTE_A, "PDE 0x%lx", *pde2);
    *(volatile uint64_t *)(VA2M + 64) = 3;
    kit_result("write sets D in a 2 MiB PDE", *pde2 & PTE_D, "PDE 0x%lx",
               *pde2);

    /* A faulting write sets no D flag. */
    set_pte(S_RO, phys(frame_b) | PTE_P | PTE_U);
    try_write(VA4K(S_RO));
    kit_catch_reset();
    kit_result("faulting write leaves D clear", !(pt[S_RO] & PTE_D),
               "PTE 0x%lx", pt[S_RO]);
}

/* "mov $v, %eax; ret" at the start of a frame */
static void put_code(uint8_t *frame, uint32_t v)
{
    static const uint8_t code[] = { 0xb8, 0, 0, 0, 0, 0xc3 };
    memcpy(frame, code, sizeof(code));
    memcpy(frame + 1, &v, 4);
}

static uint32_t call_at(uint64_t va)
{
    return ((uint32_t (*)(void))va)();
}

/*
 * The translated code of a page follows its mapping: after INVLPG or a
 * CR3 load the same virtual address runs the new frame's code, reached
 * by an indirect call (the emulator's jump cache is keyed by virtual
 * address). Also INVLPG of one address of a 2 MiB page drops the
 * translations of all of it, code and data.
 */
static void check_tlb_code(void)
{
    uint8_t *big0 = (uint8_t *)PHYS2M, *big1 = (uint8_t *)(PHYS2M + 0x200000);

    put_code(frame_a, 0xA1);
    put_code(frame_b, 0xB2);
    set_pte(S_CODE, phys(frame_a) | PTE_P);
    uint32_t r1 = call_at(VA4K(S_CODE));
    pt[S_CODE] = phys(frame_b) | PTE_P;
    invlpg((void *)VA4K(S_CODE));
    uint32_t r2 = call_at(VA4K(S_CODE));
    kit_result("invlpg: the code of the new frame runs", r1 == 0xA1 &&
               r2 == 0xB2, "0x%x then 0x%x", r1, r2);
    /* with a global translation about, which a CR3 load keeps */
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_PGE);
    set_pte(S_GLOBAL, phys(frame_a) | PTE_P | PTE_W | PTE_G);
    (void)*(volatile uint64_t *)VA4K(S_GLOBAL);
    r2 = call_at(VA4K(S_CODE));
    pt[S_CODE] = phys(frame_a) | PTE_P;
    write_cr3(read_cr3());
    r1 = call_at(VA4K(S_CODE));
    kit_result("mov to cr3: the code of the new frame runs",
               r2 == 0xB2 && r1 == 0xA1, "0x%x then 0x%x", r2, r1);
    write_cr4(cr4);

    /* 2 MiB page: code at +0x3000, data at +0x5000; INVLPG of +0x1000 */
    memset(big0 + 0x3000, 0, 0x3000);
    memset(big1 + 0x3000, 0, 0x3000);
    put_code(big0 + 0x3000, 0xC3C3);
    put_code(big1 + 0x3000, 0xD4D4);
    *(volatile uint64_t *)(big0 + 0x5000) = 0xC0;
    *(volatile uint64_t *)(big1 + 0x5000) = 0xD1;
    pd[1] = PHYS2M | PTE_P | PTE_W | PTE_PS;
    invlpg((void *)VA2M);
    r1 = call_at(VA2M + 0x3000);
    uint64_t d1 = *(volatile uint64_t *)(VA2M + 0x5000);
    pd[1] = (PHYS2M + 0x200000) | PTE_P | PTE_W | PTE_PS;
    invlpg((void *)(VA2M + 0x1000));
    r2 = call_at(VA2M + 0x3000);
    uint64_t d2 = *(volatile uint64_t *)(VA2M + 0x5000);
    kit_result("invlpg in a 2 MiB page flushes all of it",
               r1 == 0xC3C3 && d1 == 0xC0 && r2 == 0xD4D4 && d2 == 0xD1,
               "code 0x%x then 0x%x, data 0x%lx then 0x%lx", r1, r2, d1, d2);
    pd[1] = PHYS2M | PTE_P | PTE_W | PTE_U | PTE_PS;
    invlpg((void *)VA2M);
}

static void check_tlb(void)
{
    fill(frame_a, 0xA1);
    fill(frame_b, 0xB2);

    /* INVLPG: the changed PTE is used from then on. */
    set_pte(S_INVLPG, phys(frame_a) | PTE_P | PTE_W);
    uint64_t before = *(volatile uint64_t *)VA4K(S_INVLPG);
    pt[S_INVLPG] = phys(frame_b) | PTE_P | PTE_W;
    invlpg((void *)VA4K(S_INVLPG));
    uint64_t after = *(volatile uint64_t *)VA4K(S_INVLPG);
    kit_result("invlpg makes a changed PTE visible",
               before == 0xA1A1A1A1A1A1A1A1ull &&
               after == 0xB2B2B2B2B2B2B2B2ull, "before 0x%lx after 0x%lx",
               before, after);

    /* INVLPG of a now not-present page: the next access faults. */
    pt[S_INVLPG] = 0;
    invlpg((void *)VA4K(S_INVLPG));
    try_read(VA4K(S_INVLPG));
    expect_pf("invlpg then access to a now not-present page: #PF", 0,
              KERN_CS, VA4K(S_INVLPG));

    /* MOV to CR3 flushes non-global translations. */
    set_pte(S_CR3, phys(frame_a) | PTE_P | PTE_W);
    before = *(volatile uint64_t *)VA4K(S_CR3);
    pt[S_CR3] = phys(frame_b) | PTE_P | PTE_W;
    write_cr3(read_cr3());
    after = *(volatile uint64_t *)VA4K(S_CR3);
    kit_result("mov to cr3 flushes a non-global translation",
               before == 0xA1A1A1A1A1A1A1A1ull &&
               after == 0xB2B2B2B2B2B2B2B2ull, "before 0x%lx after 0x%lx",
               before, after);

    /* Toggling CR4.PGE flushes global translations too. */
    uint64_t cr4 = read_cr4();
    write_cr4(cr4 | CR4_PGE);
    set_pte(S_GLOBAL, phys(frame_a) | PTE_P | PTE_W | PTE_G);
    before = *(volatile uint64_t *)VA4K(S_GLOBAL);
    pt[S_GLOBAL] = phys(frame_b) | PTE_P | PTE_W | PTE_G;
    write_cr4(cr4 & ~CR4_PGE);
    write_cr4(cr4 | CR4_PGE);
    after = *(volatile uint64_t *)VA4K(S_GLOBAL);
    kit_result("clearing CR4.PGE flushes a global translation",
               before == 0xA1A1A1A1A1A1A1A1ull &&
               after == 0xB2B2B2B2B2B2B2B2ull, "before 0x%lx after 0x%lx",
               before, after);
    /* INVLPG flushes a global translation. */
    pt[S_GLOBAL] = phys(frame_a) | PTE_P | PTE_W | PTE_G;
    invlpg((void *)VA4K(S_GLOBAL));
    after = *(volatile uint64_t *)VA4K(S_GLOBAL);
    kit_result("invlpg flushes a global translation",
               after == 0xA1A1A1A1A1A1A1A1ull, "after 0x%lx", after);
    write_cr4(cr4);
}

void kmain(uint32_t mb_magic, uint64_t mb_info)
{
    (void)mb_magic;
    (void)mb_info;

    kit_puts("bt86 bare-metal kit: paging");
    struct paging_cpu cpu = paging_setup();

    check_mappings();
    check_faults(cpu.nx);
    check_accessed_dirty();
    check_tlb();
    check_tlb_code();

    kit_puts("paging: done");
    kit_finish();
}
