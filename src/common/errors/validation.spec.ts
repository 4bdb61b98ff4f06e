import { IsInt, IsString, Min, validate } from 'class-validator';
import './validation.js';

class Base {
  @IsString()
  name!: string;
}

class Child extends Base {
  @IsInt()
  @Min(1)
  count!: number;
}

const invalid = async (o: object) =>
  (await validate(o)).map((e) => e.property).sort((a, b) => a.localeCompare(b));

describe('validation metadata remembered per class', () => {
  it('validates as class-validator does, inherited rules included, and again from memory', async () => {
    const bad = Object.assign(new Child(), { name: 7, count: 0 });
    expect(await invalid(bad)).toEqual(['count', 'name']);
    expect(await invalid(bad)).toEqual(['count', 'name']);
    expect(await invalid(Object.assign(new Child(), { name: 'a', count: 2 }))).toEqual([]);
  });

  it('forgets what it remembered when rules are added to a class later', async () => {
    class Later {
      @IsString()
      name!: string;
    }
    expect(await invalid(Object.assign(new Later(), { name: 'a', note: 1 }))).toEqual([]);
    IsString()(Later.prototype, 'note'); // a rule declared after the first validation
    expect(await invalid(Object.assign(new Later(), { name: 'a', note: 1 }))).toEqual(['note']);
  });
});
