// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IRegistry {
    function leader() external view returns (address);
    function ftenPrice() external view returns (uint256);
}

// The reference of what cansim's Application model (src/model/chain/contracts/application.cpp)
// stands for: the checkpoint array the OCAN leader appends to, interimPayment (Algorithm 5) and
// payService (Algorithm 6), the locked funds, withdraw and destroy. Same fields in the same
// order, same checks, same events; docs/contracts.md states the choices where the paper is open.
contract Application {
    uint8 private constant SERVICE_UP = 1;
    uint8 private constant SERVICE_DOWN = 2;
    uint8 private constant APP_OK = 3;
    uint8 private constant APP_SHUTDOWN = 4;

    address public client;
    address public registry;
    address public cloud;
    uint256 public cloudPrice;
    uint256 public orcPrice;
    uint256 public retryLimit;
    uint256 public appOkInterval;
    uint256 public maxFailed;
    uint256 public serviceCount;
    mapping(uint256 => address) public serviceOwner;
    mapping(uint256 => uint256) public servicePrice;
    uint256 public cpCount;
    mapping(uint256 => uint256) public cpHead;    // type | service << 8 | timestamp << 32
    mapping(uint256 => address) public cpIssuer;
    mapping(uint256 => address) public cpOrc;
    uint256 public paid;                           // lp + 1
    uint256 public locked;
    mapping(address => uint256) public salary;
    uint256 public payeeCount;
    mapping(uint256 => address) public payeeAt;
    mapping(address => uint256) public payeeKnown;
    mapping(uint256 => uint256) public start;     // service -> index + 1 of its start checkpoint
    uint256 public failed;
    uint256 public shutdown;
    // Always 0 while the code exists: the model's stand-in for "no code here" after destroy,
    // read where the model reads it so that both pay the same.
    uint256 public destroyed;

    event ApplicationCreated(address indexed client, uint256 services);
    event Checkpoint(uint256 indexed index, uint256 kind, uint256 timestamp);
    event Shutdown();
    event ShortOfFunds(uint256 index);
    event InterimPayment(uint256 steps, uint256 total);
    event Withdrawn(address indexed payee, uint256 amount);
    event Refunded(uint256 amount);
    event Destroyed();

    struct Prices {
        uint256 cloud;
        uint256 ften;
        uint256 orc;
        address cloudAddress;
        address registry;
    }

    constructor(address client_, address registry_, address cloud_, uint256 cloudPrice_, uint256 orcPrice_,
                uint256 retryLimit_, uint256 appOkInterval_, uint256 maxFailed_, address[] memory owners,
                uint256[] memory prices) payable {
        require(owners.length != 0, "expected at least one service");
        client = client_;
        registry = registry_;
        cloud = cloud_;
        cloudPrice = cloudPrice_;
        orcPrice = orcPrice_;
        retryLimit = retryLimit_;
        appOkInterval = appOkInterval_;
        maxFailed = maxFailed_;
        serviceCount = owners.length;
        for (uint256 i = 0; i < owners.length; ++i) {
            serviceOwner[i] = owners[i];
            servicePrice[i] = prices[i];
        }
        emit ApplicationCreated(client_, owners.length);
    }

    modifier onlyLeader() {
        require(IRegistry(registry).leader() == msg.sender, "only the OCAN leader");
        _;
    }

    function deposit() external payable {
        require(shutdown == 0, "the application is shut down");
    }

    function addCheckpoint(uint256 kind, uint256 timestamp, uint256 service, address orchestrator) external onlyLeader {
        require(shutdown == 0, "the application is shut down");
        uint256 n = cpCount;
        if (n > 0) {
            uint256 last = cpHead[n - 1];
            // APP_SHUTDOWN is terminal, paid or not: nothing is billed after it.
            require(last & 0xff != APP_SHUTDOWN, "the application is shut down");
            require(timestamp >= last >> 32, "checkpoint timestamps never go back");
        }
        require(timestamp <= block.timestamp * 1000, "a checkpoint cannot be later than the block that records it");
        if (kind == SERVICE_UP || kind == SERVICE_DOWN) require(service < serviceCount, "no such service");
        require(kind >= SERVICE_UP && kind <= APP_SHUTDOWN, "no such checkpoint type");
        cpHead[n] = kind | ((service & 0xffffff) << 8) | (timestamp << 32);
        cpIssuer[n] = msg.sender;
        cpOrc[n] = orchestrator;
        cpCount = n + 1;
        emit Checkpoint(n, kind, timestamp);
    }

    // A checkpoint as interimPayment reads it: kind, service, timestamp, orchestrator. On the
    // stack, not in memory: memory a loop keeps allocating costs quadratically.
    function readCp(uint256 i) private view returns (uint256 kind, uint256 service, uint256 ts, address orc) {
        uint256 head = cpHead[i];
        return (head & 0xff, (head >> 8) & 0xffffff, head >> 32, cpOrc[i]);
    }

    function credit(address payee, uint256 amount) private {
        if (amount == 0) return;
        salary[payee] = salary[payee] + amount;
        if (payeeKnown[payee] == 0) {
            uint256 n = payeeCount;
            payeeAt[n] = payee;
            payeeKnown[payee] = 1;
            payeeCount = n + 1;
        }
    }

    function readPrices() private view returns (Prices memory) {
        address reg = registry;
        return Prices(cloudPrice, IRegistry(reg).ftenPrice(), orcPrice, cloud, reg);
    }

    // computePayment: what one service's time from s to e costs.
    function computePayment(Prices memory p, uint256 sv, uint256 sTs, uint256 eTs) private view returns (uint256) {
        return (servicePrice[sv] + p.cloud + p.ften + p.orc) * ((eTs - sTs) / 60000);
    }

    // Algorithm 6, payService.
    function payService(Prices memory p, uint256 sv, uint256 sTs, address sOrc, uint256 eTs, address eOrc) private {
        uint256 time = (eTs - sTs) / 60000;
        uint256 res = servicePrice[sv] * time;
        credit(p.cloudAddress, p.cloud * time);
        credit(serviceOwner[sv], res);
        credit(p.registry, p.ften * time);
        uint256 orc = p.orc * time;
        if (eOrc != sOrc) {
            credit(sOrc, orc / 2);
            credit(eOrc, orc - orc / 2);
        } else {
            credit(eOrc, orc);
        }
    }

    // What one APP_OK or APP_SHUTDOWN at `ts` pays: every service with a start, up to here.
    function appTotalAt(Prices memory p, uint256 services, uint256 ts) private view returns (uint256 total) {
        for (uint256 sv = 0; sv < services; ++sv) {
            uint256 st = start[sv];
            if (st == 0) continue;
            (, , uint256 sTs, ) = readCp(st - 1);
            total += computePayment(p, sv, sTs, ts);
        }
    }

    function payAll(Prices memory p, uint256 services, uint256 ts, address orc, uint256 newStart) private {
        for (uint256 sv = 0; sv < services; ++sv) {
            uint256 st = start[sv];
            if (st != 0) {
                (, , uint256 sTs, address sOrc) = readCp(st - 1);
                payService(p, sv, sTs, sOrc, ts, orc);
            }
            // APP_OK means every service runs: each is paid from here on. APP_SHUTDOWN clears them.
            start[sv] = newStart;
        }
    }

    // A SERVICE_DOWN: the service's time since its start, if it has one and `room` covers it.
    function payDown(Prices memory p, uint256 sv, uint256 ts, address orc, uint256 room) private returns (bool fits, uint256 x) {
        uint256 st = start[sv];
        if (st == 0) return (true, 0);
        (, , uint256 sTs, address sOrc) = readCp(st - 1);
        x = computePayment(p, sv, sTs, ts);
        if (x > room) return (false, 0);
        payService(p, sv, sTs, sOrc, ts, orc);
        start[sv] = 0;
        return (true, x);
    }

    // One checkpoint of Algorithm 5's loop: what it pays, whether `room` covers it, and whether
    // it is an APP_SHUTDOWN.
    function processCheckpoint(Prices memory p, uint256 services, uint256 i, uint256 room)
        private returns (bool fits, uint256 x, bool last)
    {
        (uint256 kind, uint256 sv, uint256 ts, address orc) = readCp(i);
        if (kind == SERVICE_UP) {
            start[sv] = i + 1;
            return (true, 0, false);
        }
        if (kind == SERVICE_DOWN) {
            (fits, x) = payDown(p, sv, ts, orc, room);
            return (fits, x, false);
        }
        // APP_OK, APP_SHUTDOWN: every service with a start is paid up to here.
        x = appTotalAt(p, services, ts);
        if (x > room) return (false, 0, false);
        payAll(p, services, ts, orc, kind == APP_OK ? i + 1 : 0);
        return (true, x, kind == APP_SHUTDOWN);
    }

    // An APP_SHUTDOWN the funds cannot cover is honoured all the same: of checkpoint `i`, where
    // the funds fell short, each service whose time up to it still fits in `room` is paid, in
    // service order; every start is cleared.
    function payWhatFits(Prices memory p, uint256 services, uint256 i, uint256 room) private returns (uint256 total) {
        (, , uint256 ts, address orc) = readCp(i);
        for (uint256 sv = 0; sv < services; ++sv) {
            uint256 st = start[sv];
            if (st == 0) continue;
            (, , uint256 sTs, address sOrc) = readCp(st - 1);
            uint256 x = computePayment(p, sv, sTs, ts);
            if (total + x <= room) {
                payService(p, sv, sTs, sOrc, ts, orc);
                total += x;
            }
            start[sv] = 0;
        }
    }

    function shutdownAppended(uint256 count) private view returns (bool) {
        return count > 0 && cpHead[count - 1] & 0xff == APP_SHUTDOWN;
    }

    // Algorithm 5.
    function interimPayment(uint256 k) external onlyLeader {
        require(destroyed == 0, "destroyed");
        Prices memory prices = readPrices();
        uint256 services = serviceCount;
        uint256 count = cpCount;
        uint256 paidNow = paid;
        uint256 lockedNow = locked;
        uint256 available;
        {
            uint256 balance = address(this).balance;
            available = balance > lockedNow ? balance - lockedNow : 0;
        }
        uint256 total = 0;
        uint256 next = paidNow;
        bool down = false;
        // count - paid, not paid + k: k near 2^256 must not overflow.
        uint256 end = paidNow + (k < count - paidNow ? k : count - paidNow);
        bool shortfall = false;
        for (uint256 i = paidNow; i < end; ++i) {
            (bool fits, uint256 x, bool last) = processCheckpoint(prices, services, i, available - total);
            if (!fits) {
                shortfall = true;
                break;
            }
            total += x;
            if (last) down = true;
            next = i + 1;
        }
        if (shortfall && shutdownAppended(count)) {
            // The funds fell short at checkpoint `next`, and an APP_SHUTDOWN waits: honour it now.
            emit ShortOfFunds(next);
            total += payWhatFits(prices, services, next, available - total);
            next = count;
            down = true;
        }
        uint256 steps = next - paidNow;
        paid = next;
        locked = lockedNow + total;
        // Interim payments that pay nothing while checkpoints wait end the application; one
        // that asked for nothing (k = 0) did not fail.
        if (steps == 0 && count > paidNow && k > 0) {
            uint256 f = failed + 1;
            failed = f;
            if (f >= maxFailed) down = true;
        } else if (steps > 0) {
            failed = 0;
        }
        if (down) {
            shutdown = 1;
            emit Shutdown();
        }
        emit InterimPayment(steps, total);
    }

    function withdraw() external {
        uint256 amount = salary[msg.sender];
        require(amount > 0, "nothing to withdraw");
        salary[msg.sender] = 0;
        locked = locked - amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        emit Withdrawn(msg.sender, amount);
    }

    // By the client, at any time: takes back what no checkpoint can still claim. Each service
    // may be claimed at most its price for the time from its start (where interimPayment left
    // it), or else from the first unpaid checkpoint (the last one, if all are paid: a later one
    // is never earlier), up to this block (no checkpoint is later than its block), or up to an
    // APP_SHUTDOWN. Later time is for later funds: without them the application runs short.
    function refund(uint256 amount) external {
        require(client == msg.sender, "only the client");
        require(amount > 0, "nothing to refund");
        uint256 count = cpCount;
        uint256 paidNow = paid;
        uint256 end = block.timestamp * 1000;
        uint256 from = 0;  // before the first checkpoint, nothing says when services began
        if (count > 0) {
            (uint256 lastKind, , uint256 lastTs, ) = readCp(count - 1);
            if (lastKind == APP_SHUTDOWN) end = lastTs;
            if (paidNow < count) {
                (, , from, ) = readCp(paidNow);
            } else {
                from = lastTs;
            }
        }
        uint256 services = serviceCount;
        Prices memory p = readPrices();
        uint256 claimable = 0;
        for (uint256 sv = 0; sv < services; ++sv) {
            uint256 st = start[sv];
            uint256 since = from;
            if (st != 0) (, , since, ) = readCp(st - 1);
            claimable += (servicePrice[sv] + p.cloud + p.ften + p.orc) * ((end - since) / 60000);
        }
        uint256 held = address(this).balance;
        uint256 kept = locked + claimable;
        require(held >= kept && amount <= held - kept, "more than the checkpoints can leave");
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send failed");
        emit Refunded(amount);
    }

    // After shutdown, by the client: offers every unpaid salary (the client pays the gas), sends
    // the rest back to the client and SELFDESTRUCTs. A payee that refuses wei keeps its salary,
    // to withdraw, and blocks no one (SWC-113); the contract then stays, owing only that, and
    // destroy may be called again.
    function destroy() external {
        require(destroyed == 0, "destroyed already");
        require(client == msg.sender, "only the client");
        require(shutdown != 0, "the application is not shut down");
        uint256 payees = payeeCount;
        uint256 kept = locked;
        for (uint256 i = 0; i < payees; ++i) {
            address payee = payeeAt[i];
            uint256 owed = salary[payee];
            if (owed == 0) continue;
            salary[payee] = 0;
            // send: the stipend only, so that a payee's code can neither re-enter nor burn the gas.
            if (payable(payee).send(owed)) {
                kept -= owed;
            } else {
                salary[payee] = owed;
            }
        }
        // Effects before the client's call (it forwards all gas): what is still owed stays locked.
        if (kept != 0) locked = kept;
        (bool sent, ) = msg.sender.call{value: address(this).balance - kept}("");
        require(sent, "send failed");
        if (kept != 0) return;
        emit Destroyed();
        selfdestruct(payable(msg.sender));
    }
}
